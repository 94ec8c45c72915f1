using Bosun.Agent;
using Bosun.Cri;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;

namespace Bosun.Containers.Tests.Streaming;

/// <summary>
/// The node side of the streaming tests: a private containerd (<see cref="ContainerdFixture"/>, which also tears it down
/// and checks for leftovers) and pods started through CRI the way the agent starts them — its labels, restart-count
/// annotation and log paths under <see cref="AgentPaths.PodLogDir"/> — without the agent's pod workers.
/// </summary>
internal sealed class StreamingNode : IAsyncDisposable
{
    public const string Image = TestImages.Busybox;
    private readonly ContainerdFixture _containerd;

    private StreamingNode(ContainerdFixture containerd)
    {
        _containerd = containerd;
        Paths = new AgentPaths(containerd.DataDir);
    }

    public string DataDir => _containerd.DataDir;
    public string Id => _containerd.Id;
    public AgentPaths Paths { get; }
    public CriChannel Cri => _containerd.Cri;

    public static async Task<StreamingNode> StartAsync(CancellationToken ct = default) => new(await ContainerdFixture.StartAsync(ct));

    /// <summary>Runs a pod sandbox labelled as the agent labels it; returns its id.</summary>
    public async Task<string> RunSandboxAsync(string ns, string name, string uid, CancellationToken ct)
    {
        var response = await Cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = SandboxConfig(ns, name, uid) }, cancellationToken: ct);
        return response.PodSandboxId;
    }

    /// <summary>Creates and starts one container of the pod with the agent's labels, restart-count annotation and log path.</summary>
    public async Task<string> RunContainerAsync(string sandboxId, string ns, string name, string uid, string container, int restartCount,
        IReadOnlyList<string> command, CancellationToken ct, bool stdin = false)
    {
        var config = new ContainerConfig
        {
            Stdin = stdin,
            StdinOnce = stdin,
            Metadata = new ContainerMetadata { Name = container, Attempt = (uint)restartCount },
            Image = new ImageSpec { Image = Image },
            LogPath = $"{container}/{restartCount}.log",
            Linux = new LinuxContainerConfig(),
        };
        config.Command.AddRange(command);
        config.Labels[CriLabels.PodNamespace] = ns;
        config.Labels[CriLabels.PodName] = name;
        config.Labels[CriLabels.PodUid] = uid;
        config.Labels[CriLabels.ContainerName] = container;
        config.Labels[CriLabels.ManagedBy] = CriLabels.ManagedByValue;
        config.Annotations[CriLabels.RestartCount] = restartCount.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var created = await Cri.Runtime.CreateContainerAsync(new CreateContainerRequest
        {
            PodSandboxId = sandboxId,
            Config = config,
            SandboxConfig = SandboxConfig(ns, name, uid),
        }, cancellationToken: ct);
        await Cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = created.ContainerId }, cancellationToken: ct);
        return created.ContainerId;
    }

    public async Task WaitExitedAsync(string containerId, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, cancellationToken: ct)).Status.State
               != ContainerState.ContainerExited)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"container {containerId} did not exit");
            await Task.Delay(100, ct);
        }
    }

    private PodSandboxConfig SandboxConfig(string ns, string name, string uid)
    {
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = name, Namespace = ns, Uid = uid },
            Hostname = name,
            LogDirectory = Paths.PodLogDir(ns, name, uid),
            Linux = new LinuxPodSandboxConfig { CgroupParent = _containerd.CgroupParent(uid) },
        };
        config.Labels[CriLabels.PodNamespace] = ns;
        config.Labels[CriLabels.PodName] = name;
        config.Labels[CriLabels.PodUid] = uid;
        config.Labels[CriLabels.ManagedBy] = CriLabels.ManagedByValue;
        return config;
    }

    /// <summary>Teardown by the fixture; anything of ours left on the host fails the run.</summary>
    public async ValueTask DisposeAsync()
    {
        await _containerd.DisposeAsync();
        if (_containerd.Leftovers.Count > 0)
            throw new InvalidOperationException("streaming node left behind: " + string.Join("; ", _containerd.Leftovers));
    }
}
