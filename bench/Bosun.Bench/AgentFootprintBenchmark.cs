using System.Diagnostics;
using k8s.Models;

namespace Bosun.Bench;

/// <summary>
/// Issue 5: <c>bosun agent</c> (its own process, joined with the server's join command) running 50 pods: VmRSS and where
/// it goes (smaps), 10 s after the last pod became Ready, then its CPU over 20 idle seconds, and again over 20 s a
/// minute later: the first window still holds the runtime's background re-JIT of the code the pod starts ran (tier-up,
/// a one-off warm-up), the second is the steady state. Each run starts a fresh agent on the same server and
/// containerd; medians over the runs.
/// </summary>
internal static class AgentFootprintBenchmark
{
    private const int Pods = 50;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan IdleWindow = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan SteadyAfter = TimeSpan.FromSeconds(60);

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan _)
    {
        var runs = int.TryParse(Environment.GetEnvironmentVariable("BOSUN_BENCH_ROUNDS"), out var r) ? r : 3;
        await using var cluster = await AgentBenchCluster.StartAsync();
        var results = new List<Measurement>();
        for (var run = 0; run < runs; run++)
        {
            var result = await MeasureOnceAsync(cluster, run);
            results.Add(result);
            Console.WriteLine($"  run {run + 1}: {result.Memory}; idle CPU {result.Cpu:0.00} % of a core, steady {result.SteadyCpu:0.00} %; " +
                $"VmRSS peak while idle {result.IdlePeakRssMb:0.0} MB, a minute later {result.Steady.RssMb:0.0} MB ({result.Steady}); load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
        }
        var rss = Stats.Median(results.Select(x => x.Memory.RssMb));
        var cpu = Stats.Median(results.Select(x => x.Cpu));
        var steady = Stats.Median(results.Select(x => x.SteadyCpu));
        var idlePeak = Stats.Median(results.Select(x => x.IdlePeakRssMb));
        var steadyRss = Stats.Median(results.Select(x => x.Steady.RssMb));
        var parts = $"anonymous {Stats.Median(results.Select(x => x.Memory.AnonMb)):0.0}, JIT code {Stats.Median(results.Select(x => x.Memory.JitMb)):0.0}, " +
            $"native libs {Stats.Median(results.Select(x => x.Memory.NativeLibMb)):0.0}, assemblies {Stats.Median(results.Select(x => x.Memory.AssemblyMb)):0.0} MB, " +
            $"{Stats.Median(results.Select(x => (double)x.Memory.Threads)):0} threads";
        Console.WriteLine($"agent-footprint: medians of {runs} runs with {Pods} pods: RSS {rss:0.0} MB ({parts}), idle CPU {cpu:0.00} % (steady {steady:0.00} %), " +
            $"VmRSS peak over the idle windows {idlePeak:0.0} MB, a minute later {steadyRss:0.0} MB");
        return
        [
            new SummaryRow($"`bosun agent` RSS, {Pods} running pods", $"{rss:0.0} MB", "≤ 80 MB", rss <= 80, $"VmRSS {Settle.TotalSeconds:0} s after all Ready; {parts}; median of {runs} runs"),
            new SummaryRow($"`bosun agent` idle CPU, {Pods} running pods", $"{cpu:0.00} % of a core", "≤ 2 %", cpu <= 2,
                $"utime+stime over {IdleWindow.TotalSeconds:0} s from {Settle.TotalSeconds:0} s after all Ready (tier-up included); median of {runs} runs"),
            new SummaryRow($"`bosun agent` steady idle CPU, {Pods} running pods", $"{steady:0.00} % of a core", "≤ 2 %", steady <= 2,
                $"the same {SteadyAfter.TotalSeconds:0} s later"),
            new SummaryRow($"`bosun agent` steady RSS, {Pods} running pods", $"{steadyRss:0.0} MB", "≤ 80 MB", steadyRss <= 80 && idlePeak <= 80,
                $"VmRSS after the second idle window; peak over both windows (sampled each second) {idlePeak:0.0} MB; median of {runs} runs"),
        ];
    }

    private sealed record Measurement(ProcessFootprint Memory, double Cpu, double SteadyCpu, double IdlePeakRssMb, ProcessFootprint Steady);

    private static async Task<Measurement> MeasureOnceAsync(AgentBenchCluster cluster, int run)
    {
        var node = $"bench-fp-{run}";
        await using var agent = await cluster.StartAgentAsync(node);
        await using var timeline = await PodTimeline.StartAsync(cluster.Api, "default", "bench=pod-start");
        var names = Enumerable.Range(0, Pods).Select(i => $"fp-{run}-{i}").ToList();
        try
        {
            foreach (var name in names) await cluster.Api.CreateAsync("default", PodStartBenchmark.Pod(name, node), CancellationToken.None);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(names.Select(timeline.ReadyAsync)).WaitAsync(TimeSpan.FromSeconds(240));
            Console.WriteLine($"    {Pods} pods Ready {clock.Elapsed.TotalSeconds:0.0} s after the last create");
            await Task.Delay(Settle);
            if (agent.HasExited) throw new InvalidOperationException("bosun agent exited:\n" + AgentBenchCluster.Tail(agent.Output));
            var memory = ProcessFootprint.Read(agent.Pid);
            if (Stats.Verbose) Console.WriteLine(ProcessFootprint.TopMappings(agent.Pid, 25));
            var (cpu, peak) = await IdleCpuAsync(agent.Pid);
            await Task.Delay(SteadyAfter);
            var (steadyCpu, steadyPeak) = await IdleCpuAsync(agent.Pid);
            return new Measurement(memory, cpu, steadyCpu, Math.Max(peak, steadyPeak), ProcessFootprint.Read(agent.Pid));
        }
        finally
        {
            // Deleted while the agent runs, so it tears the pods down (sandboxes, volume mounts) before it stops.
            await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, _) =>
            {
                await cluster.Api.DeleteAsync<V1Pod>("default", name, CancellationToken.None);
                await timeline.GoneAsync(name).WaitAsync(TimeSpan.FromSeconds(180));
            });
        }
    }

    /// <summary>
    /// Percent of one core used over <see cref="IdleWindow"/> and the highest VmRSS seen (read each second); in verbose
    /// mode, which threads used the CPU.
    /// </summary>
    private static async Task<(double Cpu, double PeakRssMb)> IdleCpuAsync(int pid)
    {
        var before = ProcessFootprint.CpuSeconds(pid);
        var threadsBefore = ProcessFootprint.ThreadTicks(pid);
        var peak = 0.0;
        for (var waited = TimeSpan.Zero; waited < IdleWindow; waited += TimeSpan.FromSeconds(1))
        {
            peak = Math.Max(peak, ProcessFootprint.VmRssMb(pid));
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        if (Stats.Verbose)
            foreach (var (name, ticks) in ProcessFootprint.ThreadTicks(pid).Where(t => t.Value > threadsBefore.GetValueOrDefault(t.Key)))
                Console.WriteLine($"    idle CPU of threads named {name}: {(ticks - threadsBefore.GetValueOrDefault(name)) * 10} ms");
        return ((ProcessFootprint.CpuSeconds(pid) - before) / IdleWindow.TotalSeconds * 100, peak);
    }
}
