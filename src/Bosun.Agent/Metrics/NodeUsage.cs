using System.Globalization;

namespace Bosun.Agent.Metrics;

/// <summary>The node's own usage from /proc (the kubelet reads the root cgroup; /proc gives the same totals on a node).</summary>
internal static class NodeUsage
{
    /// <summary>Kernel clock ticks per second for /proc/stat (USER_HZ, 100 on every Linux architecture we run on).</summary>
    private const ulong UserHz = 100;

    public static NodeSample Read(long timestampNanos) =>
        new(new CumulativeCpu(timestampNanos, CpuNanos(File.ReadAllText("/proc/stat"))), WorkingSet(File.ReadAllText("/proc/meminfo")));

    /// <summary>Nanoseconds of busy CPU over all cores from the first <c>cpu</c> line of /proc/stat (everything but idle and iowait).</summary>
    public static ulong CpuNanos(string procStat)
    {
        var line = procStat.Split('\n').First(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => ulong.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal [guest guest_nice: already inside user/nice]
        var busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + (fields.Length > 7 ? fields[7] : 0);
        return busy * (1_000_000_000 / UserHz);
    }

    /// <summary>MemTotal − MemAvailable, in bytes.</summary>
    public static ulong WorkingSet(string procMeminfo)
    {
        ulong total = 0, available = 0;
        foreach (var line in procMeminfo.Split('\n'))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal)) total = Kib(line);
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)) available = Kib(line);
        }
        return total > available ? (total - available) * 1024 : 0;
    }

    private static ulong Kib(string line) =>
        ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
