namespace Bosun.SimulatedNodes;

/// <summary>How many simulated nodes, their size, and how fast their heartbeats and pods move.</summary>
public sealed record SimulatedNodesOptions
{
    public int Count { get; init; } = 1;
    public string NamePrefix { get; init; } = "sim-";
    public string Cpu { get; init; } = "4";
    public string Memory { get; init; } = "16Gi";
    public int Pods { get; init; } = 110;

    /// <summary>Extra labels on every node (besides <c>kubernetes.io/hostname</c> and <c>type=simulated</c>).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Gives node i the podCIDR 10.244.i.0/24 (up to 256 nodes); otherwise pod IPs come from a shared 10.244.0.0/16 counter.</summary>
    public bool AssignPodCidrs { get; init; }

    /// <summary>How often each node's Lease in <c>kube-node-lease</c> is renewed (kubelet: 10 s).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Lease duration written into each Lease (kubelet: 40 s).</summary>
    public int LeaseDurationSeconds { get; init; } = 40;

    /// <summary>How often the conditions' heartbeat is refreshed when nothing changed (the kubelet's status report, here 40 s).</summary>
    public TimeSpan StatusHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>The longest a deleted pod takes to "stop" before it is removed (the grace period, capped at this).</summary>
    public TimeSpan MaxTerminationDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pod workers; writes to the API run in parallel up to this many.</summary>
    public int Workers { get; init; } = 8;
}
