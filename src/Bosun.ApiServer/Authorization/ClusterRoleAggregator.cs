using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// The clusterrole-aggregation controller, run inside the API server on its RBAC cache: after ClusterRoles change,
/// writes the aggregated rules (<see cref="Aggregation"/>) into every ClusterRole with an aggregationRule whose rules differ.
/// </summary>
internal sealed class ClusterRoleAggregator(RbacCache rbac, ResourceCatalog catalog, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    public async Task RunAsync(CancellationToken ct)
    {
        await rbac.Synced.WaitAsync(ct).ConfigureAwait(false);
        var done = -1L;
        while (!ct.IsCancellationRequested)
        {
            var version = rbac.ClusterRolesVersion;
            if (version != done)
            {
                try
                {
                    await ReconcileAsync(ct).ConfigureAwait(false);
                    done = version;
                }
                catch (ApiException e)
                {
                    // A concurrent edit (409) or a role deleted meanwhile: the next change or tick retries.
                    logger.LogDebug(e, "cluster role aggregation will retry");
                }
            }
            await Task.Delay(Period, time, ct).ConfigureAwait(false);
        }
    }

    internal async Task ReconcileAsync(CancellationToken ct)
    {
        var roles = rbac.ClusterRoles.ToList();
        var wanted = Aggregation.Compute(roles);
        var store = catalog.Get("rbac.authorization.k8s.io", "v1", "clusterroles");
        foreach (var role in roles.Where(r => r.AggregationSelectors is not null))
        {
            if (wanted[role.Name].SequenceEqual(role.Rules, Aggregation.RuleComparer.Instance)) continue;
            await store.UpdateAsync(null, role.Name, UpdateKind.Main, current =>
            {
                current["rules"] = new JsonArray(wanted[role.Name].Select(r => (JsonNode)r.ToJson()).ToArray());
                return current;
            }, new WriteOptions { FieldManager = "clusterrole-aggregation-controller" }, ct).ConfigureAwait(false);
        }
    }
}
