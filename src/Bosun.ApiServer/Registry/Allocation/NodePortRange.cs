using Bosun.Storage;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// NodePorts from the service node-port range (30000-32767 unless configured), over an <see cref="OffsetBitmap"/>,
/// with portallocator's static band (size/32 between 16 and 128) and its error texts.
/// </summary>
internal sealed class NodePortRange
{
    public const string StorageKey = "/registry/ranges/servicenodeports";
    private readonly RangeBitmap bitmap;

    /// <param name="storage">Where the bitmap is shared with the other API servers; null keeps it in this process.</param>
    public NodePortRange(int basePort = 30000, int size = 2768, IKeyValueStore? storage = null)
    {
        Base = basePort;
        bitmap = new RangeBitmap(storage, StorageKey, $"{basePort}-{basePort + size - 1}", size, OffsetBitmap.BandFor(size, 16, 128, 32));
    }

    public int Base { get; }
    public int Last => Base + bitmap.Size - 1;
    public RangeBitmap Bitmap => bitmap;

    /// <summary>Taken ports as this server last saw them.</summary>
    public int Used => bitmap.Mirror.Count;

    /// <summary>Claims a requested port; null on success, else portallocator's error text.</summary>
    public async Task<string?> AllocateAsync(int port, bool dryRun, CancellationToken ct)
    {
        if (port < Base || port > Last)
            return $"provided port is not in the valid range. The range of valid ports is {Base}-{Last}";
        return await bitmap.TakeAsync(port - Base, dryRun, ct) ? null : "provided port is already allocated";
    }

    public async Task<int?> AllocateNextAsync(bool dryRun, CancellationToken ct) =>
        await bitmap.TakeNextAsync(dryRun, ct) is { } offset ? Base + offset : null;

    public Task ReleaseAsync(int port, CancellationToken ct) =>
        port >= Base && port <= Last ? bitmap.ReleaseAsync(port - Base, ct) : Task.CompletedTask;

    public bool IsAllocated(int port) => port >= Base && port <= Last && bitmap.Mirror.Has(port - Base);

    /// <summary>The bitmap offset of <paramref name="port"/>; null outside the range.</summary>
    public int? OffsetOf(int port) => port >= Base && port <= Last ? port - Base : null;
}
