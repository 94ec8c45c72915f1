using System.Net;
using System.Net.Sockets;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// Service cluster IPs of one family, from the service CIDR, over an <see cref="OffsetBitmap"/>. As in Kubernetes'
/// bitmap ipallocator the network address (and for IPv4 the broadcast address) are never handed out, an IPv6 range is
/// capped at 65536 addresses, and offset 0 — the first usable IP — is what the <c>kubernetes</c> Service claims.
/// Error texts are ipallocator's, which the Service REST storage wraps in a field error.
/// </summary>
internal sealed class ClusterIpRange
{
    private const int MaxIpv6 = 65536;
    private readonly UInt128 first;
    public const string StorageKey = "/registry/ranges/serviceips";
    private readonly RangeBitmap bitmap;

    /// <param name="storage">Where the bitmap is shared with the other API servers; null keeps it in this process.</param>
    public ClusterIpRange(IPNetwork cidr, IKeyValueStore? storage = null)
    {
        Cidr = cidr;
        var bits = cidr.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        Family = bits == 32 ? "IPv4" : "IPv6";
        var hostBits = bits - cidr.PrefixLength;
        var total = hostBits >= 64 ? UInt128.MaxValue : (UInt128)1 << hostBits;
        // Skip the network address; IPv4 also loses its broadcast address.
        UInt128 usable = bits == 32 ? (total > 2 ? total - 2 : 0) : total - 1;
        var size = (int)UInt128.Min(usable, bits == 32 ? (UInt128)int.MaxValue : (UInt128)MaxIpv6);
        first = ToNumber(cidr.BaseAddress) + 1;
        bitmap = new RangeBitmap(storage, StorageKey, cidr.ToString(), size, OffsetBitmap.BandFor(size, 16, 256, 16));
    }

    public IPNetwork Cidr { get; }
    /// <summary><c>IPv4</c> or <c>IPv6</c>, as <c>spec.ipFamilies</c> spells it.</summary>
    public string Family { get; }
    public RangeBitmap Bitmap => bitmap;

    /// <summary>Taken addresses as this server last saw them.</summary>
    public int Used => bitmap.Mirror.Count;

    /// <summary>The first usable address: the <c>kubernetes</c> Service's cluster IP.</summary>
    public IPAddress FirstAddress => FromNumber(first);

    /// <summary>Claims a requested IP; null on success, else ipallocator's error text.</summary>
    public async Task<string?> AllocateAsync(IPAddress ip, bool dryRun, CancellationToken ct)
    {
        if (Offset(ip) is not { } offset)
            return $"the provided IP ({ip}) is not in the valid range. The range of valid IPs is {Cidr}";
        return await bitmap.TakeAsync(offset, dryRun, ct) ? null : "provided IP is already allocated";
    }

    /// <summary>Any free IP; null when the range is full.</summary>
    public async Task<IPAddress?> AllocateNextAsync(bool dryRun, CancellationToken ct) =>
        await bitmap.TakeNextAsync(dryRun, ct) is { } offset ? FromNumber(first + (UInt128)offset) : null;

    public Task ReleaseAsync(IPAddress ip, CancellationToken ct) =>
        Offset(ip) is { } offset ? bitmap.ReleaseAsync(offset, ct) : Task.CompletedTask;

    public bool IsAllocated(IPAddress ip) => Offset(ip) is { } offset && bitmap.Mirror.Has(offset);

    /// <summary>The bitmap offset of <paramref name="ip"/>; null outside the range.</summary>
    public int? OffsetOf(IPAddress ip) => Offset(ip);

    private int? Offset(IPAddress ip)
    {
        if (ip.AddressFamily != Cidr.BaseAddress.AddressFamily || !Cidr.Contains(ip)) return null;
        var n = ToNumber(ip);
        if (n < first) return null;
        var offset = n - first;
        return offset < (UInt128)bitmap.Size ? (int)offset : null;
    }

    private static UInt128 ToNumber(IPAddress ip)
    {
        UInt128 n = 0;
        foreach (var b in ip.GetAddressBytes()) n = (n << 8) | b;
        return n;
    }

    private IPAddress FromNumber(UInt128 n)
    {
        var bytes = new byte[Family == "IPv4" ? 4 : 16];
        for (var i = bytes.Length - 1; i >= 0; i--, n >>= 8) bytes[i] = (byte)(n & 0xff);
        return new IPAddress(bytes);
    }
}
