using System.Threading.Channels;
using Bosun.Client;
using Bosun.Proxy.Iptables;
using Bosun.Proxy.Rules;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Proxy;

/// <summary>
/// The proxy's loop: informers on Services and EndpointSlices push a "something changed" signal; the loop coalesces
/// signals, keeps syncs at least <see cref="ProxyOptions.MinSyncInterval"/> apart (kube-proxy's BoundedFrequencyRunner
/// with minSyncPeriod), and rewrites everything every <see cref="ProxyOptions.FullSyncInterval"/> or after a failure.
/// </summary>
internal sealed partial class ProxyRunner
{
    private readonly ProxyOptions options;
    private readonly IIptables iptables;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Informer<V1Service> services;
    private readonly Informer<V1EndpointSlice> slices;
    private readonly ProxySyncer syncer;
    private readonly Channel<bool> changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public ProxyRunner(ApiClient api, ProxyOptions options, IIptables iptables, ILoggerFactory loggers, TimeProvider time)
    {
        this.options = options;
        this.iptables = iptables;
        this.time = time;
        logger = loggers.CreateLogger("Bosun.Proxy");
        services = new Informer<V1Service>(api, loggers.CreateLogger("Bosun.Proxy.Informer.Service"), time);
        slices = new Informer<V1EndpointSlice>(api, loggers.CreateLogger("Bosun.Proxy.Informer.EndpointSlice"), time);
        services.On(added: _ => Poke(), updated: (_, _) => Poke(), deleted: _ => Poke());
        slices.On(added: _ => Poke(), updated: (_, _) => Poke(), deleted: _ => Poke());
        syncer = new ProxySyncer(iptables, NodeInfo.From(options), logger);
    }

    /// <summary>Raised after each successful sync (tests and benchmarks wait on it).</summary>
    public event Action<SyncStats>? Synced;

    private void Poke() => changed.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken ct)
    {
        if (options.LocalhostNodePorts) await iptables.SetSysctlAsync("net.ipv4.conf.all.route_localnet", "1", ct);
        var informers = Task.WhenAll(services.RunAsync(ct), slices.RunAsync(ct));
        try
        {
            // Never sync from a partial cache: that would delete the rules of every Service not yet listed.
            await Task.WhenAll(services.WaitForSyncAsync(ct), slices.WaitForSyncAsync(ct));
            await LoopAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        await informers;
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        DateTimeOffset? lastFull = null;
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            changed.Reader.TryRead(out _);   // this sync covers every change signalled so far
            var started = time.GetUtcNow();
            var full = lastFull is null || started - lastFull >= options.FullSyncInterval || failures > 0;
            try
            {
                var ports = ServiceCatalog.Build(services.List(), slices.List(), options.NodeName);
                var stats = await syncer.SyncAsync(ports, full, ct);
                if (stats.Full) lastFull = started;
                failures = 0;
                Synced?.Invoke(stats);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // Whatever failed (a tool, a bug in rule generation), the node keeps its last rules and we retry in full.
                failures++;
                Log.SyncFailed(logger, e.Message, e);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures)), time, ct);
                continue;
            }
            await WaitForChangeAsync(lastFull!.Value + options.FullSyncInterval, ct);
            var wait = started + options.MinSyncInterval - time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, ct);
        }
    }

    /// <summary>Waits for a change signal, or until the next full sync is due.</summary>
    private async Task WaitForChangeAsync(DateTimeOffset fullDue, CancellationToken ct)
    {
        var untilFull = fullDue - time.GetUtcNow();
        if (untilFull <= TimeSpan.Zero) return;
        using var timeout = new CancellationTokenSource(untilFull, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            await changed.Reader.WaitToReadAsync(linked.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "Proxy sync failed, retrying with a full sync: {Reason}")]
        public static partial void SyncFailed(ILogger logger, string reason, Exception e);
    }
}
