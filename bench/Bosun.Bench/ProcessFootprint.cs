using System.Globalization;

namespace Bosun.Bench;

/// <summary>
/// Memory and CPU of another process from /proc: VmRSS, resident memory by kind of mapping (from
/// <c>/proc/PID/smaps</c>: anonymous = GC heap, native heap and thread stacks; <c>memfd:doublemapper</c> = JIT code;
/// <c>.so</c> = native libraries incl. the runtime; <c>.dll</c> = managed assemblies; other = chiefly the native
/// <c>bosun</c> executable when that is what runs), thread count and CPU time.
/// </summary>
internal sealed record ProcessFootprint(double RssMb, double AnonMb, double JitMb, double NativeLibMb, double AssemblyMb, double OtherMb, int Threads)
{
    public static ProcessFootprint Read(int pid)
    {
        var kinds = new Dictionary<string, long>();
        var kind = "anon";
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (IsMappingHeader(line)) kind = Kind(line);
            else if (line.StartsWith("Rss:", StringComparison.Ordinal)) kinds[kind] = kinds.GetValueOrDefault(kind) + Kb(line);
        }
        var status = File.ReadLines($"/proc/{pid}/status").ToList();
        return new ProcessFootprint(
            Kb(status.First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))) / 1024.0,
            kinds.GetValueOrDefault("anon") / 1024.0, kinds.GetValueOrDefault("jit") / 1024.0, kinds.GetValueOrDefault("so") / 1024.0,
            kinds.GetValueOrDefault("dll") / 1024.0, kinds.GetValueOrDefault("other") / 1024.0,
            (int)Kb(status.First(l => l.StartsWith("Threads:", StringComparison.Ordinal))));
    }

    /// <summary>The <paramref name="count"/> mappings (by file; anonymous together) with the most resident memory, for BOSUN_BENCH_VERBOSE.</summary>
    public static string TopMappings(int pid, int count)
    {
        var byName = new Dictionary<string, long>();
        var name = "";
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (IsMappingHeader(line))
            {
                var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                name = fields.Length >= 6 ? fields[5].Trim() : "(anonymous)";
            }
            else if (line.StartsWith("Rss:", StringComparison.Ordinal)) byName[name] = byName.GetValueOrDefault(name) + Kb(line);
        }
        return string.Join('\n', byName.OrderByDescending(x => x.Value).Take(count).Select(x => $"    {x.Value / 1024.0,6:0.0} MB  {x.Key}"));
    }

    /// <summary>CPU ticks (utime + stime) per thread name, from /proc/PID/task/*/stat.</summary>
    public static Dictionary<string, long> ThreadTicks(int pid)
    {
        var ticks = new Dictionary<string, long>();
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            string stat;
            try { stat = File.ReadAllText(Path.Combine(task, "stat")); }
            catch (IOException) { continue; }   // the thread ended meanwhile
            var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ticks[name] = ticks.GetValueOrDefault(name) + long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        return ticks;
    }

    /// <summary>VmRSS alone (cheap enough to sample every second).</summary>
    public static double VmRssMb(int pid) =>
        Kb(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))) / 1024.0;

    /// <summary>utime + stime from /proc/PID/stat, in seconds (USER_HZ = 100).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public override string ToString() =>
        $"RSS {RssMb:0.0} MB = anonymous {AnonMb:0.0} + JIT code {JitMb:0.0} + native libs {NativeLibMb:0.0} + assemblies {AssemblyMb:0.0} + other {OtherMb:0.0}; {Threads} threads";

    // A mapping header starts with "start-end perms": hex digits up to the '-'.
    private static bool IsMappingHeader(string line)
    {
        var dash = line.IndexOf('-');
        return dash > 0 && line.AsSpan(0, dash).ContainsAnyExcept("0123456789abcdef") is false;
    }

    private static string Kind(string header)
    {
        var fields = header.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        var name = fields.Length >= 6 ? fields[5].Trim() : "";
        if (name.Length == 0 || name.StartsWith('[')) return "anon";
        if (name.Contains("doublemapper", StringComparison.Ordinal)) return "jit";
        if (name.Contains(".so", StringComparison.Ordinal)) return "so";
        if (name.EndsWith(".dll", StringComparison.Ordinal)) return "dll";
        return "other";
    }

    private static long Kb(string line) =>
        long.Parse(line[(line.IndexOf(':') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}
