using System.Net;

namespace Bosun.Agent.Network;

/// <summary>A host-gw route: another node's podCIDR reached through that node's InternalIP.</summary>
internal sealed record PodRoute(IPNetwork Destination, IPAddress Gateway)
{
    public override string ToString() => $"{Destination} via {Gateway}";
}

/// <summary>What to change to get from the routes in the kernel to the desired ones.</summary>
internal sealed record RoutePlan(IReadOnlyList<PodRoute> Replace, IReadOnlyList<PodRoute> Delete)
{
    public bool IsEmpty => Replace.Count == 0 && Delete.Count == 0;
}
