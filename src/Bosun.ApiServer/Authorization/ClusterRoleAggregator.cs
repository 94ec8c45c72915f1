using System.Text.Json.Nodes;
using Bosun.ApiServer.Controllers;
using Bosun.ApiServer.Registry;
using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// The clusterrole-aggregation controller, run inside the API server on its RBAC cache: any ClusterRole change queues
/// every ClusterRole with an aggregationRule (as upstream does), and each is given the aggregated rules
/// (<see cref="Aggregation"/>) when its own differ.
/// </summary>
internal sealed class ClusterRoleAggregator(RbacCache rbac, ResourceCatalog catalog, TimeProvider time, ILogger logger)
{
    private readonly WorkQueue<string> queue = new(time);

    public async Task RunAsync(CancellationToken ct)
    {
        await rbac.Synced.WaitAsync(ct).ConfigureAwait(false);
        rbac.ClusterRolesChanged = QueueAggregated;
        try
        {
            QueueAggregated();
            await KeyWorker.RunAsync(queue, ReconcileAsync, logger, ct).ConfigureAwait(false);
        }
        finally
        {
            rbac.ClusterRolesChanged = null;
            queue.ShutDown();
        }
    }

    private void QueueAggregated()
    {
        foreach (var role in rbac.ClusterRoles)
            if (role.AggregationSelectors is not null) queue.Add(role.Name);
    }

    /// <summary>Writes one aggregated ClusterRole's rules when they differ from what its selectors gather.</summary>
    internal async Task ReconcileAsync(string name, CancellationToken ct)
    {
        var roles = rbac.ClusterRoles.ToList();
        if (roles.Find(r => r.Name == name) is not { AggregationSelectors: not null } role) return;
        var wanted = Aggregation.Compute(roles)[name];
        if (wanted.SequenceEqual(role.Rules, Aggregation.RuleComparer.Instance)) return;
        await catalog.Get("rbac.authorization.k8s.io", "v1", "clusterroles").UpdateAsync(null, name, UpdateKind.Main, current =>
        {
            current["rules"] = new JsonArray(wanted.Select(r => (JsonNode)r.ToJson()).ToArray());
            return current;
        }, new WriteOptions { FieldManager = "clusterrole-aggregation-controller" }, ct).ConfigureAwait(false);
    }
}
