using System.Net;
using Bosun.Agent;
using Bosun.Agent.Logs;
using Bosun.Agent.Metrics;
using Bosun.Agent.Runtime;
using Bosun.Agent.Server;
using Bosun.Agent.Storage;
using Bosun.Agent.Volumes;
using Bosun.Client;
using Bosun.Client.Memory;
using Bosun.Dns;
using Bosun.Proxy;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// Starts a node agent with everything that runs beside its pod workers: the runtime (its own supervised containerd
/// unless an endpoint is given, the pause image, the images directory, the CNI config for the node's podCIDR), the
/// volume manager and local-path provisioner, the streaming server the API server proxies logs/exec/port-forward to,
/// log rotation, resource metrics, the service proxy and cluster DNS. Used by <c>bosun agent</c> and by
/// <c>bosun server</c>. Stopping leaves containerd and the pods running, as a stopped kubelet does.
/// </summary>
internal sealed class AgentRunner : IAsyncDisposable
{
    private readonly NodeRuntime runtime;
    private readonly AgentHost host;
    private readonly AgentServer streaming;
    private readonly CancellationTokenSource stop;
    private readonly Task loops;

    private AgentRunner(NodeRuntime runtime, AgentHost host, AgentServer streaming, CancellationTokenSource stop, Task loops)
    {
        this.runtime = runtime;
        this.host = host;
        this.streaming = streaming;
        this.stop = stop;
        this.loops = loops;
    }

    public AgentHost Host => host;

    /// <param name="options">Settings; <see cref="AgentOptions.RuntimeEndpoint"/> empty means "supervise our own containerd".</param>
    public static async Task<AgentRunner> StartAsync(AgentOptions options, bool noInstall, ApiClient api, ILoggerFactory loggers, CancellationToken ct)
    {
        var paths = new AgentPaths(options.DataDir);
        var external = string.IsNullOrEmpty(options.RuntimeEndpoint) ? null : options.RuntimeEndpoint;
        var runtime = await NodeRuntime.StartAsync(new NodeRuntimeOptions
        {
            Containerd = new ContainerdOptions { Paths = paths, RuntimeEndpoint = external, NoInstall = noInstall },
            RegistriesFile = Path.Combine(paths.Root, "registries.yaml"),
            BridgeMasquerade = !options.RunPodNetwork,
        }, loggers.CreateLogger<NodeRuntime>(), ct);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var loops = new List<Task>();
        AgentServer? streaming = null;
        try
        {
            var time = TimeProvider.System;
            // The streaming port must be open before the Node publishes it.
            streaming = await AgentServer.StartAsync(new AgentServerOptions
            {
                Port = options.StreamingPort,
                ClientCaPem = options.StreamingClientCaPem ?? options.ClusterCaPem ?? throw new InvalidOperationException("the cluster CA is needed for the agent's streaming server"),
                ServingNames = options.NodeIp is null ? [] : [options.NodeIp],
            }, paths, runtime.Cri.Runtime, loggers, time, ct);
            // Volumes: pod volume set-up with a one-minute resync of projected files; local-path claims provisioned on this node.
            var objects = new ApiVolumeObjects(api);
            var volumes = new VolumeManager(paths, objects, objects, time, loggers.CreateLogger<VolumeManager>());
            var provisioner = new LocalPathProvisioner(api, options.NodeName, paths, loggers, time);
            var watcher = new VolumeObjectWatcher(api, volumes, loggers, time);
            loops.Add(Loop(t => runtime.Images.RunAsync(TimeSpan.FromMinutes(5), t), stop.Token));
            loops.Add(Loop(volumes.RunAsync, stop.Token));
            loops.Add(Loop(watcher.RunAsync, stop.Token));
            loops.Add(Loop(provisioner.RunAsync, stop.Token));
            loops.Add(Loop(t => new LogRotator(runtime.Cri.Runtime, loggers.CreateLogger<LogRotator>(), time).RunAsync(TimeSpan.FromSeconds(10), t), stop.Token));
            var host = await AgentHost.StartAsync(options with { RuntimeEndpoint = runtime.Endpoint.Socket, StreamingPort = streaming.Port, Registries = runtime.Registries }, api, volumes,
                loggers, time, (cidr, _) => { runtime.SetPodCidr(cidr); return Task.CompletedTask; }, ct);
            loops.Add(Loop(new MetricsReporter(runtime.Cri, api, options.NodeName, loggers.CreateLogger<MetricsReporter>()).RunAsync, stop.Token));
            loops.AddRange(NetworkServices(options, host, api, loggers, stop.Token));
            // Memory grown during bursts of pod starts goes back to the OS once the node is quiet again.
            loops.Add(Loop(new MemoryTrimmer(TrimPolicy.CreateDefault(), time, loggers.CreateLogger<MemoryTrimmer>()).RunAsync, stop.Token));
            return new AgentRunner(runtime, host, streaming, stop, Task.WhenAll(loops));
        }
        catch
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
            if (streaming is not null) await streaming.DisposeAsync();
            stop.Dispose();
            runtime.Dispose();
            throw;
        }
    }

    /// <summary>The pod network's routes (flannel host-gw), the seed's kube-proxy and cluster DNS, all API clients on this node.</summary>
    private static IEnumerable<Task> NetworkServices(AgentOptions options, AgentHost host, ApiClient api, ILoggerFactory loggers, CancellationToken ct)
    {
        var nodeIp = IPAddress.Parse(host.Node.InternalIp);
        if (options.RunPodNetwork && options.ClusterCidr is { } podRange)
        {
            var network = new Agent.Network.PodNetwork(api, new Agent.Network.PodNetworkOptions(options.NodeName, IPNetwork.Parse(podRange)),
                new Agent.Network.HostNetworkCommands(), loggers, TimeProvider.System);
            yield return Loop(network.RunAsync, ct);
        }
        if (options.RunServiceProxy)
        {
            yield return Loop(t => ServiceProxy.RunAsync(api, new ProxyOptions
            {
                NodeName = options.NodeName,
                NodeAddresses = [nodeIp],
                ClusterCidr = options.ClusterCidr is { } cidr ? IPNetwork.Parse(cidr) : null,
            }, t, loggers), ct);
        }
        if (options.RunClusterDns && options.ClusterDns is { } dns)
        {
            yield return Loop(t => ClusterDns.RunAsync(api, new DnsOptions
            {
                ListenAddress = nodeIp,
                Port = options.DnsPort,
                ClusterDomain = options.ClusterDomain,
                ResolvConfPath = options.ResolvConf,
                Publish = new KubeDnsPublication(IPAddress.Parse(dns), options.NodeName),
            }, t, loggers), ct);
        }
    }

    private static Task Loop(Func<CancellationToken, Task> run, CancellationToken ct) => Task.Run(async () =>
    {
        try { await run(ct); }
        catch (OperationCanceledException) { }
    }, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await host.DisposeAsync();
        await loops;
        await streaming.DisposeAsync();
        runtime.Dispose();
        stop.Dispose();
    }
}
