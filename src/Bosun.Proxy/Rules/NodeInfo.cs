using System.Net;

namespace Bosun.Proxy.Rules;

/// <summary>What the rules need to know about the node: its addresses for NodePorts and the pod network.</summary>
internal sealed record NodeInfo(IReadOnlyList<IPAddress> Addresses, IPNetwork? ClusterCidr, bool LocalhostNodePorts)
{
    public static NodeInfo From(ProxyOptions o) => new(o.NodeAddresses, o.ClusterCidr, o.LocalhostNodePorts);
}
