using System.Net;

namespace Bosun.SimulatedNodes;

/// <summary>One simulated node's state: its name, addresses and pod IP allocator, and whether it is "alive".</summary>
internal sealed class SimulatedNode(string name, int index)
{
    private int nextHost;
    private volatile bool heartbeats = true;

    public string Name { get; } = name;
    public int Index { get; } = index;

    /// <summary>10.0.x.y, derived from the index.</summary>
    public string InternalIp { get; } = $"10.{(index >> 16) & 0xff}.{(index >> 8) & 0xff}.{(index & 0xff) + 1}";

    /// <summary>The node's podCIDR as last seen (null when none is set).</summary>
    public string? PodCidr { get; set; }

    public bool HeartbeatsEnabled
    {
        get => heartbeats;
        set => heartbeats = value;
    }

    /// <summary>The next pod IP: from the podCIDR when the node has one, else from the shared pool.</summary>
    public string NextPodIp(Func<string> fromSharedPool)
    {
        if (PodCidr is { } cidr && cidr.Split('/') is [var baseText, var bitsText] &&
            IPAddress.TryParse(baseText, out var network) && network.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork &&
            int.TryParse(bitsText, out var bits) && bits is >= 8 and <= 30)
        {
            var size = (1u << (32 - bits)) - 2;   // no network or broadcast address
            var offset = (uint)(Interlocked.Increment(ref nextHost) - 1) % size + 1;
            var bytes = network.GetAddressBytes();
            var value = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) + offset;
            return $"{value >> 24}.{(value >> 16) & 0xff}.{(value >> 8) & 0xff}.{value & 0xff}";
        }
        return fromSharedPool();
    }
}
