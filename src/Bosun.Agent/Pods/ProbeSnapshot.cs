namespace Bosun.Agent.Pods;

/// <summary>
/// The probe results the pod workers decide with, by container id: liveness and startup failures that force a
/// restart, readiness, and whether the startup probe has passed. Read-only; the probe loops publish new snapshots.
/// </summary>
internal sealed record ProbeSnapshot(
    IReadOnlyDictionary<string, string> LivenessFailed,
    IReadOnlyDictionary<string, string> StartupFailed,
    IReadOnlySet<string> Ready,
    IReadOnlySet<string> NotStarted)
{
    public static readonly ProbeSnapshot None = new(
        new Dictionary<string, string>(), new Dictionary<string, string>(), new HashSet<string>(), new HashSet<string>());

    /// <summary>Ready when the container has no readiness probe, or its probe last succeeded.</summary>
    public bool IsReady(string containerId, bool hasReadinessProbe) => !hasReadinessProbe ? !NotStarted.Contains(containerId) : Ready.Contains(containerId);

    public bool IsStarted(string containerId) => !NotStarted.Contains(containerId);
}
