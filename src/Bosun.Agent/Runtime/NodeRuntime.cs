using Bosun.Agent.Images;
using Bosun.Cri;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Runtime;

/// <summary>
/// The node's container runtime, ready for pods: containerd started or adopted (or an external CRI endpoint), the
/// registry mirrors from <c>registries.yaml</c>, the pause image, and the images directory imported. What the pod
/// workers, streaming, logs and metrics share. Disposing closes the connection and leaves containerd and every pod
/// running (an agent restart adopts them); <see cref="StopContainerdAsync"/> is for uninstalling.
/// </summary>
internal sealed partial class NodeRuntime : IDisposable
{
    private readonly ContainerdSupervisor _supervisor;
    private readonly NodeRuntimeOptions _options;
    private readonly ILogger _logger;

    private NodeRuntime(NodeRuntimeOptions options, ContainerdSupervisor supervisor, ContainerdEndpoint endpoint, ILogger logger)
    {
        _options = options;
        _supervisor = supervisor;
        _logger = logger;
        Endpoint = endpoint;
        Cri = CriChannel.ForUnixSocket(endpoint.Socket);
        Importer = new ImageImporter(endpoint.Socket.StartsWith("unix://", StringComparison.Ordinal) ? endpoint.Socket[7..] : endpoint.Socket);
        Images = new ImageDirectory(options.Containerd.Paths.Images, Importer, logger);
    }

    public ContainerdEndpoint Endpoint { get; }

    public CriChannel Cri { get; }

    public ImageImporter Importer { get; }

    /// <summary>The images directory; <see cref="ImageDirectory.RunAsync"/> keeps importing tarballs added later.</summary>
    public ImageDirectory Images { get; }

    /// <summary>Registry credentials and mirrors (empty when there is no registries.yaml); pass <see cref="RegistriesConfig.AuthFor"/> to PullImage.</summary>
    public RegistriesConfig Registries { get; private set; } = new();

    /// <summary>
    /// Starts (or adopts) the runtime. Throws <see cref="HostDependencyException"/> when the host lacks a package and may
    /// not install it, <see cref="ContainerdException"/> when containerd does not become ready, and
    /// <see cref="FormatException"/> for a bad registries.yaml.
    /// </summary>
    public static async Task<NodeRuntime> StartAsync(NodeRuntimeOptions options, ILogger logger, CancellationToken ct)
    {
        var paths = options.Containerd.Paths;
        var registries = File.Exists(options.RegistriesFile ?? "") ? RegistriesConfig.Parse(await File.ReadAllTextAsync(options.RegistriesFile!, ct)) : new RegistriesConfig();
        var supervisor = new ContainerdSupervisor(options.Containerd, logger);
        var external = options.Containerd.RuntimeEndpoint is not null;
        if (!external)
        {
            registries.WriteHostsToml(supervisor.Layout.CertsDir);
            if (options.PodCidr is { } cidr) CniConfig.Write(paths, cidr, options.Bridge, options.BridgeMasquerade);
        }
        var endpoint = await supervisor.StartAsync(ct);
        var runtime = new NodeRuntime(options, supervisor, endpoint, logger) { Registries = registries };
        try
        {
            await PauseImage.EnsureAsync(runtime.Cri.Images, runtime.Importer, Path.Combine(paths.Root, "tmp"), ct);
            Directory.CreateDirectory(paths.Images);
            await runtime.Images.ScanAsync(ct);
            return runtime;
        }
        catch
        {
            runtime.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the CNI conflist for the node's podCIDR (when the IPAM controller assigns or changes it); containerd picks
    /// it up for the next sandbox. Returns true when the file changed. Does nothing for an external runtime, whose
    /// network configuration is not ours.
    /// </summary>
    public bool SetPodCidr(string podCidr)
    {
        if (_options.Containerd.RuntimeEndpoint is not null) return false;
        var changed = CniConfig.Write(_options.Containerd.Paths, podCidr, _options.Bridge, _options.BridgeMasquerade);
        if (changed) Log.PodCidr(_logger, podCidr, _options.Bridge);
        return changed;
    }

    /// <summary>Stops our containerd by pid (pods keep running in their shims). Not part of a normal agent shutdown.</summary>
    public Task StopContainerdAsync(CancellationToken ct) => _supervisor.StopAsync(ct);

    public void Dispose() => Cri.Dispose();

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "CNI network for podCIDR {PodCidr} on bridge {Bridge}")]
        public static partial void PodCidr(ILogger logger, string podCidr, string bridge);
    }
}

/// <summary>Options of <see cref="NodeRuntime"/>.</summary>
internal sealed record NodeRuntimeOptions
{
    public required ContainerdOptions Containerd { get; init; }

    /// <summary>The podCIDR when already known (the IPAM controller may assign it later: <see cref="NodeRuntime.SetPodCidr"/>).</summary>
    public string? PodCidr { get; init; }

    /// <value><see cref="CniConfig.DefaultBridge"/> (<c>bosun0</c>) by default.</value>
    public string Bridge { get; init; } = CniConfig.DefaultBridge;

    /// <summary>The bridge plugin's <c>ipMasq</c>; off when the agent's pod network (host-gw) masquerades.</summary>
    public bool BridgeMasquerade { get; init; } = true;

    /// <summary>k3s-format <c>registries.yaml</c>; absent file = no mirrors. <value><c>&lt;data-dir&gt;/agent/registries.yaml</c> by convention.</value></summary>
    public string? RegistriesFile { get; init; }
}
