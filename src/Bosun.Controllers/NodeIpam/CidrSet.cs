using System.Net;
using System.Net.Sockets;

namespace Bosun.Controllers.NodeIpam;

/// <summary>
/// The node pod CIDRs of one IPv4 cluster CIDR (upstream's cidrset): subnet <c>i</c> of the given prefix length is
/// in use or free; allocation takes the lowest free one, so released subnets are handed out again first.
/// </summary>
internal sealed class CidrSet
{
    private readonly uint network;
    private readonly int clusterPrefix;
    private readonly int nodePrefix;
    private readonly HashSet<int> used = [];
    private readonly Lock gate = new();

    public CidrSet(string clusterCidr, int nodePrefix)
    {
        var (address, prefix) = Parse(clusterCidr) ?? throw new ArgumentException($"invalid cluster CIDR \"{clusterCidr}\"");
        if (nodePrefix < prefix || nodePrefix > 32) throw new ArgumentException($"node CIDR mask size {nodePrefix} does not fit in {clusterCidr}");
        clusterPrefix = prefix;
        this.nodePrefix = nodePrefix;
        network = prefix == 0 ? 0 : address & (uint.MaxValue << (32 - prefix));
        Capacity = 1 << Math.Min(30, nodePrefix - prefix);
    }

    public int Capacity { get; }

    public int Used
    {
        get { lock (gate) return used.Count; }
    }

    /// <summary>The lowest free subnet, now marked used; null when the range is exhausted.</summary>
    public string? Allocate()
    {
        lock (gate)
        {
            for (var i = 0; i < Capacity; i++)
                if (used.Add(i)) return Format(i);
            return null;
        }
    }

    /// <summary>Marks a subnet used (an existing node's); false if it is not one of ours.</summary>
    public bool Occupy(string cidr)
    {
        if (IndexOf(cidr) is not { } i) return false;
        lock (gate) used.Add(i);
        return true;
    }

    public void Release(string cidr)
    {
        if (IndexOf(cidr) is not { } i) return;
        lock (gate) used.Remove(i);
    }

    private string Format(int i)
    {
        var start = network + ((uint)i << (32 - nodePrefix));
        var bytes = new[] { (byte)(start >> 24), (byte)(start >> 16), (byte)(start >> 8), (byte)start };
        return $"{new IPAddress(bytes)}/{nodePrefix}";
    }

    private int? IndexOf(string cidr)
    {
        if (Parse(cidr) is not (var address, var prefix) || prefix != nodePrefix) return null;
        var clusterMask = clusterPrefix == 0 ? 0 : uint.MaxValue << (32 - clusterPrefix);
        if ((address & clusterMask) != network) return null;
        var i = (int)((address - network) >> (32 - nodePrefix));
        return i < Capacity ? i : null;
    }

    private static (uint Address, int Prefix)? Parse(string cidr)
    {
        var slash = cidr.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr[(slash + 1)..], out var prefix) || prefix is < 0 or > 32)
            return null;
        var b = ip.GetAddressBytes();
        return (((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3], prefix);
    }
}
