namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// NodePorts from the service node-port range (30000-32767 unless configured), over an <see cref="OffsetBitmap"/>,
/// with portallocator's static band (size/32 between 16 and 128) and its error texts.
/// </summary>
internal sealed class NodePortRange
{
    private readonly OffsetBitmap bitmap;

    public NodePortRange(int basePort = 30000, int size = 2768)
    {
        Base = basePort;
        bitmap = new OffsetBitmap(size, OffsetBitmap.BandFor(size, 16, 128, 32));
    }

    public int Base { get; }
    public int Last => Base + bitmap.Size - 1;
    public int Used => bitmap.Count;

    /// <summary>Claims a requested port; null on success, else portallocator's error text.</summary>
    public string? Allocate(int port, bool dryRun)
    {
        if (port < Base || port > Last)
            return $"provided port is not in the valid range. The range of valid ports is {Base}-{Last}";
        return bitmap.TryTake(port - Base, dryRun) ? null : "provided port is already allocated";
    }

    public int? AllocateNext(bool dryRun) => bitmap.TakeNext(dryRun) is { } offset ? Base + offset : null;

    public void Release(int port)
    {
        if (port >= Base && port <= Last) bitmap.Release(port - Base);
    }

    public bool IsAllocated(int port) => port >= Base && port <= Last && bitmap.Has(port - Base);
}
