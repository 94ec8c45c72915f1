using System.Net;
using System.Threading.Channels;
using Bosun.Client;
using Bosun.Dns.Zone;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Dns;

/// <summary>
/// Keeps the zone snapshot current: informer events signal a change, and one loop rebuilds the snapshot (covering
/// every change signalled before it started) and swaps it in; queries always read a whole snapshot.
/// </summary>
internal sealed partial class DnsRunner
{
    private readonly ApiClient api;
    private readonly DnsOptions options;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Informer<V1Service> services;
    private readonly Informer<V1EndpointSlice> slices;
    private readonly Informer<V1Pod> pods;
    private readonly Channel<bool> changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile ClusterZone zone;
    private uint serial;

    public DnsRunner(ApiClient api, DnsOptions options, ILoggerFactory loggers, TimeProvider time)
    {
        this.api = api;
        this.options = options;
        this.time = time;
        logger = loggers.CreateLogger("Bosun.Dns");
        zone = ClusterZone.Empty(options.ClusterDomain);
        services = new Informer<V1Service>(api, loggers.CreateLogger("Bosun.Dns.Informer.Service"), time);
        slices = new Informer<V1EndpointSlice>(api, loggers.CreateLogger("Bosun.Dns.Informer.EndpointSlice"), time);
        pods = new Informer<V1Pod>(api, loggers.CreateLogger("Bosun.Dns.Informer.Pod"), time);
        services.On(added: _ => Poke(), updated: (_, _) => Poke(), deleted: _ => Poke());
        slices.On(added: _ => Poke(), updated: (_, _) => Poke(), deleted: _ => Poke());
        // Pods matter only for the hostname of headless endpoints.
        pods.On(added: p => { if (p.Spec?.Subdomain is not null) Poke(); }, updated: (_, p) => { if (p.Spec?.Subdomain is not null) Poke(); });
    }

    public ClusterZone Zone => zone;

    /// <summary>
    /// Runs the server's creation and start (which create its sockets). Tests wrap it to open the sockets inside a network
    /// namespace; a socket stays in the namespace it was created in.
    /// </summary>
    internal Action<Action> StartServer { get; init; } = start => start();

    /// <summary>Raised after each rebuild (tests wait on it).</summary>
    public event Action<ClusterZone>? Rebuilt;

    private void Poke() => changed.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken ct)
    {
        var upstreams = options.Upstreams ?? ResolvConf.Read(options.ResolvConfPath);
        var self = new IPEndPoint(options.ListenAddress, options.Port);
        // Never forward to ourselves (a host whose resolv.conf already names the cluster DNS).
        upstreams = upstreams.Where(u => !u.Equals(self)).ToList();
        var informers = Task.WhenAll(services.RunAsync(ct), slices.RunAsync(ct), pods.RunAsync(ct));
        DnsServerHost? server = null;
        var publishing = Task.CompletedTask;
        try
        {
            await Task.WhenAll(services.WaitForSyncAsync(ct), slices.WaitForSyncAsync(ct), pods.WaitForSyncAsync(ct));
            Rebuild();
            var forwarder = new Forwarder(upstreams, options.ForwardTimeoutMs, options.ForwardCacheSeconds, time);
            StartServer(() =>
            {
                server = new DnsServerHost(self, () => zone, forwarder, options.Ttl, logger);
                server.Start();
            });
            Log.Serving(logger, self.ToString(), options.ClusterDomain, string.Join(", ", upstreams));
            if (options.Publish is { } publish) publishing = PublishAsync(publish, self, ct);
            while (await changed.Reader.WaitToReadAsync(ct))
            {
                changed.Reader.TryRead(out _);
                Rebuild();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        finally
        {
            server?.Dispose();
            try { await publishing; } catch (OperationCanceledException) { }
            if (options.Publish is { } publish) await KubeDnsService.UnpublishAsync(api, publish, logger);
        }
        await informers;
    }

    /// <summary>Publishes this server as kube-dns, retrying with back-off while the API refuses or is unreachable.</summary>
    private async Task PublishAsync(KubeDnsPublication publish, IPEndPoint self, CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await KubeDnsService.PublishAsync(api, publish, self, ct);
                return;
            }
            catch (Exception e) when (e is ApiException or HttpRequestException)
            {
                Log.PublishFailed(logger, e.Message);
                await Task.Delay(delay, time, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private void Rebuild()
    {
        var next = ClusterZone.Build(options.ClusterDomain, services.List(), slices.List(), (ns, name) => pods.Get(ns, name));
        zone = next.WithSerial(++serial);
        Rebuilt?.Invoke(zone);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish kube-dns, retrying: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "Cluster DNS serving {Endpoint} for {Domain}, forwarding to [{Upstreams}]")]
        public static partial void Serving(ILogger logger, string endpoint, string domain, string upstreams);
    }
}
