namespace Bosun.Agent.Metrics;

/// <summary>CPU usage rate from two readings of a cumulative counter, as the kubelet's summary API computes usageNanoCores.</summary>
internal static class CpuRate
{
    /// <summary>
    /// Nanocores (nanoseconds of CPU per second of wall time) between two readings, or null when there is no rate to
    /// report: the time did not advance or the counter went backwards (the container restarted and its cgroup is new).
    /// </summary>
    public static ulong? NanoCores(CumulativeCpu previous, CumulativeCpu current)
    {
        if (current.TimestampNanos <= previous.TimestampNanos) return null;
        if (current.UsageNanos < previous.UsageNanos) return null;
        var used = (decimal)(current.UsageNanos - previous.UsageNanos);
        var elapsed = (decimal)(current.TimestampNanos - previous.TimestampNanos);
        return (ulong)decimal.Round(used * 1_000_000_000m / elapsed);
    }
}

/// <summary>One reading of a cumulative CPU counter: nanoseconds of CPU used so far, at a unix-nanosecond timestamp.</summary>
internal readonly record struct CumulativeCpu(long TimestampNanos, ulong UsageNanos);
