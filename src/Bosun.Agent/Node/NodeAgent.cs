using Bosun.Client;
using Bosun.Cri;
using Bosun.Cri.V1;
using Grpc.Core;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Node;

/// <summary>
/// Registers the Node and keeps it alive: the Lease in <c>kube-node-lease</c> every 10 s, the status (conditions,
/// capacity, nodeInfo) every status interval. Learns the podCIDR from the node IPAM controller, or falls back to
/// the default when none is assigned in time (a lone agent).
/// </summary>
internal sealed partial class NodeAgent(ApiClient api, CriChannel cri, AgentOptions options, NodeFacts facts, TimeProvider time, ILogger logger)
{
    public const string LeaseNamespace = "kube-node-lease";
    public const int LeaseDurationSeconds = 40;

    private IList<V1NodeCondition>? lastConditions;

    public string Name => options.NodeName;

    /// <summary>Creates the Node (or takes over an existing one) and its Lease; returns the podCIDR to use.</summary>
    public async Task<string> RegisterAsync(CancellationToken ct)
    {
        var node = NodeStatusBuilder.Build(options.NodeName, facts, options.StreamingPort, options.NodeLabels, null);
        try
        {
            await api.CreateAsync<V1Node>(null, node, ct);
            Log.Registered(logger, options.NodeName);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            var existing = await api.GetAsync<V1Node>(null, options.NodeName, ct);
            lastConditions = existing.Status?.Conditions;
            var labels = ModelJson.Serialize(new V1Node { Metadata = new V1ObjectMeta { Labels = node.Metadata.Labels } });
            await api.PatchAsync<V1Node>(null, options.NodeName, "application/merge-patch+json", labels, ct);
        }
        await ReportStatusAsync(ct);
        await RenewLeaseAsync(ct);
        return await PodCidrWait.WaitAsync(api, options.NodeName, options.PodCidrWait, options.DefaultPodCidr, time, logger, ct);
    }

    /// <summary>Renews the Lease and reports status on their intervals until cancelled.</summary>
    public Task RunAsync(CancellationToken ct) => Task.WhenAll(
        EveryAsync(options.LeaseRenewInterval, RenewLeaseAsync, ct),
        EveryAsync(options.NodeStatusInterval, ReportStatusAsync, ct));

    public async Task ReportStatusAsync(CancellationToken ct)
    {
        try
        {
            var (runtimeReady, networkReady, message) = await RuntimeConditionsAsync(ct);
            var health = NodeFactsReader.Health(options.DataDir, runtimeReady, networkReady, message);
            var status = NodeStatusBuilder.Status(facts, health, options.StreamingPort, lastConditions, time.GetUtcNow().UtcDateTime);
            var patch = ModelJson.Serialize(new V1Node { Status = status });
            var updated = await api.PatchAsync<V1Node>(null, options.NodeName, "application/merge-patch+json", patch, ct, "status");
            lastConditions = updated.Status?.Conditions ?? status.Conditions;
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or RpcException)
        {
            Log.HeartbeatFailed(logger, e.Message);
        }
    }

    /// <summary>CRI Status: RuntimeReady and NetworkReady, with the kubelet's NotReady message.</summary>
    private async Task<(bool Runtime, bool Network, string Message)> RuntimeConditionsAsync(CancellationToken ct)
    {
        try
        {
            var s = await cri.Runtime.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
            var conditions = s.Status?.Conditions ?? [];
            var runtime = conditions.FirstOrDefault(c => c.Type == "RuntimeReady");
            var network = conditions.FirstOrDefault(c => c.Type == "NetworkReady");
            if (runtime is not { Status: true })
                return (false, network?.Status == true, $"container runtime not ready: RuntimeReady=false reason:{runtime?.Reason} message:{runtime?.Message}");
            if (network is not { Status: true })
                return (true, false, $"container runtime network not ready: NetworkReady=false reason:{network?.Reason} message:{network?.Message}");
            return (true, true, "");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
        {
            return (false, false, $"container runtime is down: {e.Status.Detail}");
        }
    }

    public async Task RenewLeaseAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            var patch = LeaseRenewal.Patch(options.NodeName, LeaseDurationSeconds, now);
            await api.PatchAsync<V1Lease>(LeaseNamespace, options.NodeName, "application/merge-patch+json", patch, ct);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            await CreateLeaseAsync(now, ct);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException)
        {
            Log.HeartbeatFailed(logger, e.Message);
        }
    }

    private async Task CreateLeaseAsync(DateTime now, CancellationToken ct)
    {
        var node = await api.TryGetAsync<V1Node>(null, options.NodeName, ct);
        try
        {
            await api.CreateAsync(LeaseNamespace, new V1Lease
            {
                ApiVersion = "coordination.k8s.io/v1",
                Kind = "Lease",
                Metadata = new V1ObjectMeta
                {
                    Name = options.NodeName,
                    NamespaceProperty = LeaseNamespace,
                    // Owned by the Node, so the lease goes when the node is deleted (as the kubelet does).
                    OwnerReferences = node is null ? null : [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node.Metadata.Name, Uid = node.Metadata.Uid }],
                },
                Spec = new V1LeaseSpec { HolderIdentity = options.NodeName, LeaseDurationSeconds = LeaseDurationSeconds, RenewTime = now },
            }, ct);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
        }
    }

    private async Task EveryAsync(TimeSpan period, Func<CancellationToken, Task> action, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) await action(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Registered node {Node}")]
        public static partial void Registered(ILogger logger, string node);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Node heartbeat failed: {Error}")]
        public static partial void HeartbeatFailed(ILogger logger, string error);
    }
}
