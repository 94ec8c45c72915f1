namespace Bosun.Agent.Memory;

/// <summary>
/// When to hand memory back to the OS: after enough allocation since the last trim (the GC heap and malloc arenas
/// have grown with it), once the process has gone quiet (a burst of pod starts is over), at most once per interval.
/// Pure: fed with the allocated-bytes counter at each sample.
/// </summary>
internal sealed class TrimPolicy(long churnBytes, long quietBytes, TimeSpan minInterval)
{
    public static TrimPolicy CreateDefault() => new(churnBytes: 24 << 20, quietBytes: 4 << 20, minInterval: TimeSpan.FromMinutes(1));

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
