using System.Net;
using System.Net.Sockets;
using k8s.Models;

namespace Bosun.Agent.Network;

/// <summary>
/// flannel's host-gw backend as pure decisions: every other node with a podCIDR inside the cluster CIDR and an IPv4
/// InternalIP gets a route <c>podCIDR via InternalIP</c>. Only destinations inside the cluster CIDR are ever ours, so
/// the host's own routes are never touched.
/// </summary>
internal static class HostGw
{
    public static IReadOnlyList<PodRoute> DesiredRoutes(IEnumerable<V1Node> nodes, string self, IPNetwork clusterCidr)
    {
        var own = nodes.FirstOrDefault(n => n.Metadata?.Name == self) is { } me ? PodCidr(me) : null;
        var routes = new List<PodRoute>();
        // Ordered by name so that two nodes claiming one podCIDR (a stale Node) resolve the same way on every agent.
        foreach (var node in nodes.Where(n => n.Metadata?.Name != self).OrderBy(n => n.Metadata?.Name, StringComparer.Ordinal))
        {
            if (PodCidr(node) is not { } cidr || InternalIp(node) is not { } ip) continue;
            if (!Inside(cidr, clusterCidr) || clusterCidr.Contains(ip)) continue;
            if (own is { } mine && Overlaps(mine, cidr)) continue;
            if (routes.Any(r => Overlaps(r.Destination, cidr))) continue;
            routes.Add(new PodRoute(cidr, ip));
        }
        return routes;
    }

    /// <summary>Routes to add or change, and routes of ours (inside the cluster CIDR) no node wants any more.</summary>
    public static RoutePlan Plan(IEnumerable<PodRoute> current, IReadOnlyList<PodRoute> desired, IPNetwork clusterCidr)
    {
        var ours = current.Where(r => Inside(r.Destination, clusterCidr)).ToList();
        var replace = desired.Where(d => !ours.Contains(d)).ToList();
        var delete = ours.Where(c => !desired.Any(d => d.Destination == c.Destination)).ToList();
        return new RoutePlan(replace, delete);
    }

    public static IPNetwork? PodCidr(V1Node node) =>
        node.Spec?.PodCIDR is { } text && IPNetwork.TryParse(text, out var cidr) && cidr.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? cidr : null;

    public static IPAddress? InternalIp(V1Node node) =>
        node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP" && IPAddress.TryParse(a.Address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork) is { } address
            ? IPAddress.Parse(address.Address)
            : null;

    public static bool Inside(IPNetwork inner, IPNetwork outer) =>
        inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);

    private static bool Overlaps(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);
}
