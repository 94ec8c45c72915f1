namespace Bosun.Agent.Memory;

/// <summary>
/// When to hand memory back to the OS: after enough allocation since the last trim (the GC heap and malloc arenas
/// have grown with it), once the process has gone quiet (a burst of pod starts is over), at most once per interval.
/// Pure: fed with the allocated-bytes counter at each sample.
/// </summary>
internal sealed class TrimPolicy(long churnBytes, long quietBytes, TimeSpan minInterval, TimeSpan? sampleInterval = null)
{
    /// <summary>The node agent: bursts of pod starts, sampled every 5 s.</summary>
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

    /// <summary>Records a sample; true when a trim is due now (the caller trims and then calls <see cref="Trimmed"/>).</summary>
    public bool Sample(long allocatedBytes, DateTimeOffset now)
    {
        var recent = lastSample < 0 ? long.MaxValue : allocatedBytes - lastSample;
        lastSample = allocatedBytes;
        if (lastTrim is { } t && now - t < minInterval) return false;
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
