using System.Net;

namespace Bosun.Proxy;

/// <summary>Settings of one node's service proxy (kube-proxy's iptables mode flags, reduced to what Bosun uses).</summary>
public sealed record ProxyOptions
{
    /// <summary>Required. The Node this proxy runs on: endpoints with this <c>nodeName</c> are local.</summary>
    public required string NodeName { get; init; }

    /// <summary>
    /// The node's addresses: NodePorts answer on these only. Empty means every local address
    /// (<c>-m addrtype --dst-type LOCAL</c>), as kube-proxy does without <c>--nodeport-addresses</c>.
    /// </summary>
    public IReadOnlyList<IPAddress> NodeAddresses { get; init; } = [];

    /// <summary>The pod network (e.g. 10.244.0.0/16): traffic to a cluster IP from outside it is masqueraded. Null: never.</summary>
    public IPNetwork? ClusterCidr { get; init; }

    /// <summary>Also answer NodePorts on 127.0.0.0/8; sets <c>net.ipv4.conf.all.route_localnet=1</c>.</summary>
    public bool LocalhostNodePorts { get; init; }

    /// <summary>Run iptables in this network namespace (<c>ip netns exec</c>); null is the agent's own namespace.</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>Changes are coalesced: two syncs are at least this far apart. Default 200 ms (a change lands in well under 1 s).</summary>
    public TimeSpan MinSyncInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// A full rewrite of every chain this often, repairing anything changed behind our back. Default 1 hour, as
    /// kube-proxy: with the nft backend a full write of 1,000 Services × 10 endpoints costs about 2 s of CPU.
    /// </summary>
    public TimeSpan FullSyncInterval { get; init; } = TimeSpan.FromHours(1);
}
