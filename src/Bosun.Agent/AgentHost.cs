using Bosun.Agent.Node;
using Bosun.Agent.Pods;
using Bosun.Agent.Probes;
using Bosun.Agent.Volumes;
using Bosun.Client;
using Bosun.Cri;
using Bosun.Cri.V1;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent;

/// <summary>
/// The node agent's composition root: connects to the CRI runtime, registers the Node (and learns its podCIDR,
/// handed to <c>configureNetwork</c> so the runtime part writes the CNI config), then runs the node heartbeats, the
/// pod workers with their probes, and the event writer. Stopping leaves the pods running (a restarted agent adopts them).
/// </summary>
internal sealed partial class AgentHost : IAsyncDisposable
{
    private readonly CancellationTokenSource stop;
    private readonly CriChannel cri;
    private readonly ProbeManager probes;
    private readonly HttpClient probeHttp;
    private readonly List<Task> loops;
    private readonly ILogger logger;

    private AgentHost(CancellationTokenSource stop, CriChannel cri, ProbeManager probes, HttpClient probeHttp, List<Task> loops, ILogger logger,
        string podCidr, NodeIdentity node, PodWorkers workers)
    {
        this.stop = stop;
        this.cri = cri;
        this.probes = probes;
        this.probeHttp = probeHttp;
        this.loops = loops;
        this.logger = logger;
        PodCidr = podCidr;
        Node = node;
        Workers = workers;
    }

    public string PodCidr { get; }
    public NodeIdentity Node { get; }
    internal PodWorkers Workers { get; }

    public static async Task<AgentHost> StartAsync(AgentOptions options, ApiClient api, IVolumeManager volumes, ILoggerFactory loggers,
        TimeProvider time, Func<string, CancellationToken, Task>? configureNetwork, CancellationToken ct)
    {
        var logger = loggers.CreateLogger<AgentHost>();
        var cri = CriChannel.ForUnixSocket(options.RuntimeEndpoint);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            var version = await WaitForRuntimeAsync(cri, options.RuntimeEndpoint, ct);
            var facts = NodeFactsReader.Read(options.DataDir, options.NodeIp, $"{version.RuntimeName}://{version.RuntimeVersion}");
            var nodeAgent = new NodeAgent(api, cri, options, facts, time, loggers.CreateLogger<NodeAgent>());
            var podCidr = await nodeAgent.RegisterAsync(ct);
            if (configureNetwork is not null) await configureNetwork(podCidr, ct);
            await nodeAgent.ReportStatusAsync(ct);   // NetworkReady may have changed with the CNI config

            var allocatable = NodeStatusBuilder.Status(facts, new NodeHealth(), options.StreamingPort, null, time.GetUtcNow().UtcDateTime).Allocatable;
            var node = new NodeIdentity(options.NodeName, facts.InternalIp, allocatable);
            var events = new EventRecorder(api, "kubelet", loggers.CreateLogger<EventRecorder>(), time, options.NodeName);
            var paths = new AgentPaths(options.DataDir);
            var backoff = new RestartBackoff(options.RestartBackoffInitial, TimeSpan.FromMinutes(5));
            var runtime = new CriPodRuntime(cri);
            var probeHttp = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
            var executor = new ProbeExecutor(cri.Runtime, probeHttp);
            var hostDns = File.Exists(options.ResolvConf) ? DnsSettings.Parse(File.ReadAllText(options.ResolvConf)) : DnsSettings.Empty;
            var applier = new PodApplier(runtime, new ImagePuller(cri.Images, RestartBackoff.ForImagePulls(), time, events,
                new PullAuthSource(api, options.Registries, events)), volumes, executor,
                new EnvSourceReader(api), paths, new PodCgroups(options.CgroupRoot), options, node, hostDns, backoff, time, events,
                loggers.CreateLogger<PodApplier>());
            var workers = new PodWorkers(api, runtime, applier, node, options, backoff, time, loggers);
            var probes = new ProbeManager(executor, time, events, loggers.CreateLogger<ProbeManager>(), workers.Enqueue);
            workers.Probes = probes;

            var loops = new List<Task>
            {
                Run(() => nodeAgent.RunAsync(stop.Token)),
                Run(() => events.RunAsync(stop.Token)),
                Run(() => workers.RunAsync(stop.Token)),
                Run(() => new StaticPods(api, paths.PodManifests, options.NodeName, time, loggers.CreateLogger<StaticPods>())
                    .RunAsync(options.StaticPodScanInterval, stop.Token)),
            };
            Log.Started(logger, options.NodeName, facts.InternalIp, podCidr, options.RuntimeEndpoint);
            return new AgentHost(stop, cri, probes, probeHttp, loops, logger, podCidr, node, workers);
        }
        catch
        {
            stop.Dispose();
            cri.Dispose();
            throw;
        }
    }

    /// <summary>CRI Version, retried for a while: a freshly started containerd takes a moment to open its socket.</summary>
    private static async Task<VersionResponse> WaitForRuntimeAsync(CriChannel cri, string endpoint, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await cri.Runtime.VersionAsync(new VersionRequest { Version = "v1" }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct);
            }
            catch (RpcException e) when (attempt < 60 && e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded)
            {
                await Task.Delay(500, ct);
            }
            catch (RpcException e)
            {
                throw new InvalidOperationException($"container runtime at {endpoint} is not answering: {e.Status.Detail}", e);
            }
        }
    }

    private static Task Run(Func<Task> loop) => Task.Run(async () =>
    {
        try { await loop(); }
        catch (OperationCanceledException) { }
    });

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        foreach (var t in loops)
        {
            try { await t; }
            catch (Exception e) { Log.LoopFailed(logger, e); }
        }
        await probes.StopAsync();
        probeHttp.Dispose();
        cri.Dispose();
        stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Node agent started: node {Node}, InternalIP {Ip}, podCIDR {Cidr}, runtime {Endpoint}")]
        public static partial void Started(ILogger logger, string node, string ip, string cidr, string endpoint);

        [LoggerMessage(Level = LogLevel.Error, Message = "A node agent loop failed")]
        public static partial void LoopFailed(ILogger logger, Exception e);
    }
}
