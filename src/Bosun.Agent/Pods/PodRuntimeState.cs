namespace Bosun.Agent.Pods;

/// <summary>
/// Everything the runtime holds for one pod (kubelet's <c>PodStatus</c> from the runtime): its sandboxes, newest
/// first, and every container instance, newest first per name.
/// </summary>
internal sealed record PodRuntimeState(IReadOnlyList<ObservedSandbox> Sandboxes, IReadOnlyList<ObservedContainer> Containers)
{
    public static readonly PodRuntimeState Empty = new([], []);

    public ObservedSandbox? LatestSandbox => Sandboxes.Count == 0 ? null : Sandboxes[0];

    /// <summary>The newest instance of the named container, or null.</summary>
    public ObservedContainer? Latest(string name)
    {
        ObservedContainer? best = null;
        foreach (var c in Containers)
            if (c.Name == name && (best is null || c.CreatedAt > best.CreatedAt)) best = c;
        return best;
    }

    /// <summary>The instance before the newest one (what <c>lastState</c> shows), or null.</summary>
    public ObservedContainer? Previous(string name)
    {
        var latest = Latest(name);
        ObservedContainer? best = null;
        foreach (var c in Containers)
            if (c.Name == name && c != latest && (best is null || c.CreatedAt > best.CreatedAt)) best = c;
        return best;
    }

    public IEnumerable<ObservedContainer> Running => Containers.Where(c => c.IsRunning);
}
