namespace Bosun.Agent.Pods;

/// <summary>A pod sandbox as the runtime reports it.</summary>
internal sealed record ObservedSandbox(string Id, uint Attempt, bool Ready, DateTime CreatedAt)
{
    /// <summary>The pod IP from CNI; empty for host-network sandboxes and stopped ones.</summary>
    public string Ip { get; init; } = "";
    public bool HostNetwork { get; init; }
}
