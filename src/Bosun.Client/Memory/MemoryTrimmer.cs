using System.Runtime;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Bosun.Client.Memory;

/// <summary>
/// Returns memory the process no longer uses to the OS, as Go's scavenger does for a kubelet: .NET keeps the GC heap
/// it grew during a burst (pod starts, relists) committed, and glibc keeps freed malloc memory (JIT, TLS) in its arenas.
/// After a quiet period following enough allocation (<see cref="TrimPolicy"/>): one aggressive GC (compacts and
/// decommits free regions) and <c>malloc_trim(0)</c>. At most once a minute, ~10–30 ms each.
/// </summary>
public sealed partial class MemoryTrimmer(TrimPolicy policy, TimeProvider time, ILogger logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(policy.SampleInterval, time);
        while (await timer.WaitForNextTickAsync(ct))
        {
            if (!policy.Sample(GC.GetTotalAllocatedBytes(), time.GetUtcNow(), GC.GetGCMemoryInfo().HeapSizeBytes)) continue;
            var before = Environment.WorkingSet;
            Trim();
            policy.Trimmed(GC.GetTotalAllocatedBytes(), time.GetUtcNow());
            Log.Trimmed(logger, before >> 20, Environment.WorkingSet >> 20);
        }
    }

    private static void Trim()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            try { MallocTrim(0); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }   // not glibc (musl)
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Returned unused memory to the OS: working set {Before} MB -> {After} MB")]
        public static partial void Trimmed(ILogger logger, long before, long after);
    }
}
