namespace Bosun.Agent.Pods;

/// <summary>The runtime's state of a container (CRI <c>ContainerState</c>).</summary>
internal enum RuntimeContainerState
{
    Created,
    Running,
    Exited,
    Unknown,
}

/// <summary>
/// One container instance as the runtime reports it, with what the agent stored on it (hash, restart count).
/// Times are UTC; <see cref="StartedAt"/> is null when the container never started (CRI reports 0).
/// </summary>
internal sealed record ObservedContainer(
    string Id,
    string Name,
    RuntimeContainerState State,
    string Hash,
    int RestartCount,
    DateTime CreatedAt)
{
    public string SandboxId { get; init; } = "";
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public int ExitCode { get; init; }
    /// <summary>CRI's reason for an exited container: Completed, Error, OOMKilled, StartError, ContainerCannotRun.</summary>
    public string Reason { get; init; } = "";
    public string Message { get; init; } = "";
    public string Image { get; init; } = "";
    public string ImageRef { get; init; } = "";
    /// <summary>The pod's grace period stored on the container, for stopping it when the pod object is gone.</summary>
    public long? GracePeriodSeconds { get; init; }

    public bool IsRunning => State == RuntimeContainerState.Running;
    public bool IsExited => State == RuntimeContainerState.Exited;
    public bool Succeeded => State == RuntimeContainerState.Exited && ExitCode == 0;
}
