using System.Net;
using System.Threading.Channels;
using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Network;

/// <summary>Settings of <see cref="PodNetwork"/>.</summary>
internal sealed record PodNetworkOptions(string NodeName, IPNetwork ClusterCidr)
{
    /// <summary>How often routes and rules are rewritten even without a Node change (someone removed a route).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait before retrying after a failed pass.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The pod network across nodes (flannel host-gw): watches Nodes, keeps a route to every other node's podCIDR via
/// its InternalIP and the masquerade rules for traffic leaving the pod network; removes all of it when stopped, so
/// a stopped agent leaves no routes pointing at nodes that may be gone.
/// </summary>
internal sealed partial class PodNetwork
{
    private readonly PodNetworkOptions options;
    private readonly IHostNetwork host;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Informer<V1Node> nodes;
    private readonly Channel<bool> changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public PodNetwork(ApiClient api, PodNetworkOptions options, IHostNetwork host, ILoggerFactory loggers, TimeProvider time)
    {
        this.options = options;
        this.host = host;
        this.time = time;
        logger = loggers.CreateLogger<PodNetwork>();
        nodes = new Informer<V1Node>(api, loggers.CreateLogger("Bosun.Agent.Informer.Node"), time);
        nodes.On(added: _ => Poke(), updated: (_, _) => Poke(), deleted: _ => Poke());
    }

    private void Poke() => changed.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken ct)
    {
        var informer = nodes.RunAsync(ct);
        try
        {
            // A partial list would delete the routes of nodes not yet seen.
            await nodes.WaitForSyncAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                changed.Reader.TryRead(out _);
                var synced = await SyncAsync(host, nodes.List(), options, logger, ct);
                // After a failure (xtables lock held, a node's address not yet reachable) retry soon, not at the next resync.
                using var resync = new CancellationTokenSource(synced ? options.ResyncInterval : options.RetryInterval, time);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, resync.Token);
                try { await changed.Reader.WaitToReadAsync(wait.Token); }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            await CleanupAsync(host, options.ClusterCidr, logger);
        }
        await informer;
    }

    /// <summary>One pass: routes to the desired set for <paramref name="nodes"/>, masquerade chain rewritten; false (logged) when a tool failed.</summary>
    internal static async Task<bool> SyncAsync(IHostNetwork host, IReadOnlyList<V1Node> nodes, PodNetworkOptions options, ILogger logger, CancellationToken ct)
    {
        try
        {
            var desired = HostGw.DesiredRoutes(nodes, options.NodeName, options.ClusterCidr);
            var plan = HostGw.Plan(await host.ListRoutesAsync(ct), desired, options.ClusterCidr);
            foreach (var route in plan.Delete)
            {
                await host.DeleteRouteAsync(route, ct);
                Log.RouteDeleted(logger, route.ToString());
            }
            foreach (var route in plan.Replace)
            {
                await host.ReplaceRouteAsync(route, ct);
                Log.RouteSet(logger, route.ToString());
            }
            await host.RestoreAsync(MasqueradeRules.Sync(options.ClusterCidr, await host.SaveNatAsync(ct)), ct);
            return true;
        }
        catch (HostNetworkException e)
        {
            Log.SyncFailed(logger, e.Message);
            return false;
        }
    }

    /// <summary>Removes our routes inside <paramref name="clusterCidr"/> and our masquerade chain (also <c>bosun agent --cleanup</c>).</summary>
    public static async Task CleanupAsync(IHostNetwork host, IPNetwork clusterCidr, ILogger logger)
    {
        try
        {
            foreach (var route in HostGw.Plan(await host.ListRoutesAsync(CancellationToken.None), [], clusterCidr).Delete)
                await host.DeleteRouteAsync(route, CancellationToken.None);
            var script = MasqueradeRules.Delete(clusterCidr, await host.SaveNatAsync(CancellationToken.None));
            if (script.Length > 0) await host.RestoreAsync(script, CancellationToken.None);
        }
        catch (HostNetworkException e)
        {
            Log.CleanupFailed(logger, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Pod network: route {Route}")]
        public static partial void RouteSet(ILogger logger, string route);

        [LoggerMessage(Level = LogLevel.Information, Message = "Pod network: removed route {Route}")]
        public static partial void RouteDeleted(ILogger logger, string route);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Pod network sync failed (retrying): {Reason}")]
        public static partial void SyncFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Pod network cleanup failed: {Reason}")]
        public static partial void CleanupFailed(ILogger logger, string reason);
    }
}
