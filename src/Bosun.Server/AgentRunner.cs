using Bosun.Agent;
using Bosun.Agent.Runtime;
using Bosun.Agent.Storage;
using Bosun.Agent.Volumes;
using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// Starts a node agent with its runtime (<see cref="NodeRuntime"/>: its own supervised containerd unless an endpoint is
/// given, registry mirrors, the pause image, the images directory), its volumes (the volume manager, ConfigMap/Secret
/// watcher and the local-path provisioner), then <see cref="AgentHost"/>, which writes the CNI config for the node's
/// podCIDR. Used by <c>bosun agent</c> and by <c>bosun server</c>. Stopping leaves containerd and the pods running.
/// </summary>
internal sealed class AgentRunner : IAsyncDisposable
{
    private readonly NodeRuntime runtime;
    private readonly AgentHost host;
    private readonly CancellationTokenSource stop;
    private readonly Task imagesLoop;
    private readonly Task storageLoop;

    private AgentRunner(NodeRuntime runtime, AgentHost host, CancellationTokenSource stop, Task imagesLoop, Task storageLoop)
    {
        this.runtime = runtime;
        this.host = host;
        this.stop = stop;
        this.imagesLoop = imagesLoop;
        this.storageLoop = storageLoop;
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
        }, loggers.CreateLogger<NodeRuntime>(), ct);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var imagesLoop = Task.Run(async () =>
        {
            try { await runtime.Images.RunAsync(TimeSpan.FromSeconds(5), stop.Token); }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        // Volumes: pod volume set-up with a one-minute resync of projected files; local-path claims provisioned on this node.
        var objects = new ApiVolumeObjects(api);
        var volumes = new VolumeManager(paths, objects, objects, TimeProvider.System, loggers.CreateLogger<VolumeManager>());
        var provisioner = new LocalPathProvisioner(api, options.NodeName, paths, loggers, TimeProvider.System);
        var watcher = new VolumeObjectWatcher(api, volumes, loggers, TimeProvider.System);
        var storageLoop = Task.Run(async () =>
        {
            try { await Task.WhenAll(volumes.RunAsync(stop.Token), watcher.RunAsync(stop.Token), provisioner.RunAsync(stop.Token)); }
            catch (OperationCanceledException) { }
        }, CancellationToken.None);
        try
        {
            var host = await AgentHost.StartAsync(options with { RuntimeEndpoint = runtime.Endpoint.Socket }, api, volumes, loggers, TimeProvider.System,
                (cidr, _) => { runtime.SetPodCidr(cidr); return Task.CompletedTask; }, ct);
            return new AgentRunner(runtime, host, stop, imagesLoop, storageLoop);
        }
        catch
        {
            await stop.CancelAsync();
            await Task.WhenAll(imagesLoop, storageLoop);
            stop.Dispose();
            runtime.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await host.DisposeAsync();
        await imagesLoop;
        await storageLoop;
        runtime.Dispose();
        stop.Dispose();
    }
}
