namespace Bosun.Client.Memory;

/// <summary>
/// When to hand memory back to the OS: after enough allocation since the last trim (the GC heap and malloc arenas
/// have grown with it), once the process has gone quiet (a burst of pod starts is over), at most once per interval.
/// Pure: fed with the allocated-bytes counter at each sample.
/// </summary>
public sealed class TrimPolicy(long churnBytes, long quietBytes, TimeSpan minInterval, TimeSpan? sampleInterval = null)
{
    /// <summary>
    /// The node agent: after a burst of pod starts, sampled every 5 s. (Trimming every ~30 s while idle, as the server
    /// does, measured the same steady RSS with 50 pods: the 6 MB gen0 budget refills within ~12 s at ~0.5 MB/s.)
    /// </summary>
    public static TrimPolicy CreateDefault() => new(churnBytes: 24 << 20, quietBytes: 4 << 20, minInterval: TimeSpan.FromMinutes(1));

    /// <summary>
    /// <c>bosun server</c> without the agent: its one burst is start-up (PKI, bootstrap objects, the controllers' and
    /// scheduler's first lists, ~20 MB allocated), after which it allocates ~0.4 MB/s (Lease renewals), refilling the
    /// 6 MB gen0 budget and glibc's arenas (tiered re-JIT) by ~8 MB within a minute. Sampled every second so the
    /// start-up heap goes back within seconds of the server becoming ready; then, while idle, every ~30 s (a compacting
    /// collection of the ~6 MB live heap: a few ms). A busy server is never quiet, so it is not trimmed.
    /// </summary>
    public static TrimPolicy CreateForServer() => new(churnBytes: 8 << 20, quietBytes: 1 << 20, minInterval: TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));

    /// <summary>How often <see cref="Sample"/> is to be called; <c>quietBytes</c> is per sample.</summary>
    public TimeSpan SampleInterval { get; } = sampleInterval ?? TimeSpan.FromSeconds(5);

    private long lastSample = -1;
    private long atLastTrim;
    private DateTimeOffset? lastTrim;

    /// <summary>
    /// Above this heap size (after the last collection) a compacting collection pauses the process for tens to hundreds
    /// of milliseconds (a server holding thousands of objects), and what it returns is small beside the heap: such a
    /// heap is trimmed at most every <see cref="LargeHeapInterval"/>.
    /// </summary>
    public const long LargeHeapBytes = 64L << 20;

    public static readonly TimeSpan LargeHeapInterval = TimeSpan.FromMinutes(10);

    /// <summary>Records a sample; true when a trim is due now (the caller trims and then calls <see cref="Trimmed"/>).</summary>
    /// <param name="allocatedBytes">The process's allocated-bytes counter.</param>
    /// <param name="now">The sample's time.</param>
    /// <param name="heapBytes">The GC heap's size after the last collection.</param>
    public bool Sample(long allocatedBytes, DateTimeOffset now, long heapBytes = 0)
    {
        var recent = lastSample < 0 ? long.MaxValue : allocatedBytes - lastSample;
        lastSample = allocatedBytes;
        var interval = heapBytes > LargeHeapBytes && LargeHeapInterval > minInterval ? LargeHeapInterval : minInterval;
        if (lastTrim is { } t && now - t < interval) return false;
        return allocatedBytes - atLastTrim >= churnBytes && recent <= quietBytes;
    }

    /// <param name="allocatedBytes">The counter after the trim's own collection.</param>
    public void Trimmed(long allocatedBytes, DateTimeOffset now)
    {
        atLastTrim = allocatedBytes;
        lastSample = allocatedBytes;
        lastTrim = now;
    }
}
