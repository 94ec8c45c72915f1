namespace Bosun.Agent.Runtime;

/// <summary>How the agent gets a CRI runtime: its own supervised containerd, or an existing socket.</summary>
internal sealed record ContainerdOptions
{
    public required AgentPaths Paths { get; init; }

    /// <summary><c>--container-runtime-endpoint</c>: use this CRI socket and start nothing. Null = supervise our own containerd.</summary>
    public string? RuntimeEndpoint { get; init; }

    /// <summary><c>--no-install</c>: never run apt-get; print the command instead and fail.</summary>
    public bool NoInstall { get; init; }

    /// <value><see cref="Images.PauseImage.Reference"/> by default.</value>
    public string SandboxImage { get; init; } = Images.PauseImage.Reference;

    /// <value>60 s by default: containerd's first start on a loaded 2-core machine takes a few seconds.</value>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Skip the host dependency check (tests that have already checked once).</summary>
    public bool SkipDependencyCheck { get; init; }
}
