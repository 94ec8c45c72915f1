using Bosun.Agent;
using Bosun.Agent.Images;
using Bosun.Agent.Pods;
using Bosun.Agent.Runtime;
using Bosun.Agent.Storage;
using Bosun.Agent.Volumes;
using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// Starts a node agent with its runtime: its own supervised containerd (unless an endpoint is given), the pause image,
/// the images directory, then <see cref="AgentHost"/> with the CNI config written for the node's podCIDR. Used by
/// <c>bosun agent</c> and by <c>bosun server</c>. Stopping leaves containerd and the pods running.
/// </summary>
internal sealed class AgentRunner : IAsyncDisposable
{
    private readonly AgentHost host;
    private readonly CancellationTokenSource stop;
    private readonly Task imagesLoop;
    private readonly Task storageLoop;

    private AgentRunner(AgentHost host, CancellationTokenSource stop, Task imagesLoop, Task storageLoop)
    {
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
        var supervisor = new ContainerdSupervisor(new ContainerdOptions { Paths = paths, RuntimeEndpoint = external, NoInstall = noInstall },
            loggers.CreateLogger<ContainerdSupervisor>());
        var endpoint = await supervisor.StartAsync(ct);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var imagesLoop = Task.CompletedTask;
        if (external is null)
        {
            using var cri = Bosun.Cri.CriChannel.ForUnixSocket(endpoint.Socket);
            var importer = new ImageImporter(endpoint.Socket);
            await PauseImage.EnsureAsync(cri.Images, importer, Path.Combine(paths.Root, "tmp"), ct);
            var images = new ImageDirectory(paths.Images, importer, loggers.CreateLogger<ImageDirectory>());
            await images.ScanAsync(ct);
            imagesLoop = Task.Run(async () =>
            {
                try { await images.RunAsync(TimeSpan.FromSeconds(5), stop.Token); }
                catch (OperationCanceledException) { }
            }, CancellationToken.None);
        }
        Func<string, CancellationToken, Task>? network = external is null
            ? (cidr, _) => { CniConfig.Write(paths, cidr); return Task.CompletedTask; }
            : null;
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
            var host = await AgentHost.StartAsync(options with { RuntimeEndpoint = endpoint.Socket }, api, volumes, loggers, TimeProvider.System, network, ct);
            return new AgentRunner(host, stop, imagesLoop, storageLoop);
        }
        catch
        {
            await stop.CancelAsync();
            await Task.WhenAll(imagesLoop, storageLoop);
            stop.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await host.DisposeAsync();
        await imagesLoop;
        await storageLoop;
        stop.Dispose();
    }
}
