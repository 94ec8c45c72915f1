using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Bosun.Proxy;
using Bosun.Proxy.Iptables;
using Bosun.Proxy.Rules;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Bench;

/// <summary>
/// Service proxy sync time against the real kernel: 1,000 ClusterIP Services × 10 ready endpoints, written with
/// iptables-restore into a network namespace the benchmark creates (and deletes): a full sync (rules computed, our
/// chains listed, everything restored, jumps ensured), then incremental syncs that change one endpoint of one
/// Service. Also the pure rule computation alone. Needs root; reports and skips otherwise.
/// </summary>
internal static class ProxySyncBenchmark
{
    private const int Services = 1000;
    private const int EndpointsPer = 10;
    private const int Rounds = 3;
    private const int Incremental = 10;

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan _)
    {
        if (Environment.UserName != "root")
        {
            Console.WriteLine("proxy-sync: skipped (needs root for a network namespace and iptables)");
            return [];
        }
        var netns = "bpxbench" + Guid.NewGuid().ToString("N")[..6];
        await RunAsync("ip", "netns", "add", netns);
        try
        {
            return await MeasureAsync(netns);
        }
        finally
        {
            await RunAsync("ip", "netns", "del", netns);
        }
    }

    private static async Task<List<SummaryRow>> MeasureAsync(string netns)
    {
        var node = new NodeInfo([IPAddress.Parse("192.168.77.1")], IPNetwork.Parse("10.244.0.0/16"), false);
        var ports = Enumerable.Range(0, Services).Select(i => Port(i, 0)).ToList();
        var iptables = new IptablesExecutor(netns);
        var builds = new List<double>();
        var fulls = new List<double>();
        var incrementals = new List<double>();
        var fullCpu = new List<double>();
        var incCpu = new List<double>();
        SyncStats? fullStats = null, incStats = null;
        if (Environment.GetEnvironmentVariable("BOSUN_BENCH_DUMP") is { Length: > 0 } dump)
            await File.WriteAllTextAsync(dump, RuleBuilder.Build(ports, node).ToString());
        for (var round = 0; round < Rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            var rules = RuleBuilder.Build(ports, node);
            builds.Add(watch.Elapsed.TotalMilliseconds);

            await ProxyCleanup.RunAsync(iptables, CancellationToken.None);
            var syncer = new ProxySyncer(iptables, node, NullLogger.Instance);
            var cpu = Cpu();
            fullStats = await syncer.SyncAsync(ports, full: true, CancellationToken.None);
            fulls.Add(fullStats.Elapsed.TotalMilliseconds);
            fullCpu.Add(Cpu() - cpu);
            for (var i = 1; i <= Incremental; i++)
            {
                var changed = new List<ServicePortInfo>(ports) { [i * 37 % Services] = Port(i * 37 % Services, round * 100 + i) };
                cpu = Cpu();
                incStats = await syncer.SyncAsync(changed, full: false, CancellationToken.None);
                incrementals.Add(incStats.Elapsed.TotalMilliseconds);
                incCpu.Add(Cpu() - cpu);
                ports = changed;
            }
            Console.WriteLine($"  round {round + 1}: build {builds[^1]:0} ms ({rules.RuleCount:N0} rules), full sync {fulls[^1]:0} ms, CPU {fullCpu[^1]:0} ms ({fullStats.RestoreBytes / 1024:N0} KiB restored), " +
                $"one endpoint changed: median {Stats.Median(incrementals.TakeLast(Incremental)):0.0} ms, CPU {Stats.Median(incCpu.TakeLast(Incremental)):0} ms ({incStats!.RestoreBytes:N0} bytes restored)");
        }
        await ProxyCleanup.RunAsync(iptables, CancellationToken.None);
        var full = Stats.Median(fulls);
        var inc = Stats.Median(incrementals);
        Console.WriteLine($"proxy-sync: {Services} Services × {EndpointsPer} endpoints: full {full:0} ms, incremental {inc:0.0} ms, rules computed in {Stats.Median(builds):0} ms");
        return
        [
            new($"P1. proxy full sync, {Services} Services × {EndpointsPer} endpoints", $"{full:0} ms (CPU {Stats.Median(fullCpu):0} ms)", "report only", true,
                $"CPU = this process + the iptables tools it ran; {fullStats!.Rules:N0} rules, {fullStats.RestoreBytes / 1024:N0} KiB to iptables-restore (nft backend) in a fresh netns; rule computation alone {Stats.Median(builds):0} ms; median of {Rounds}"),
            new("P2. proxy incremental sync, one endpoint changed", $"{inc:0.0} ms (CPU {Stats.Median(incCpu):0} ms)", "≤ 1 s", inc <= 1000,
                $"only the changed chains restored ({incStats!.RestoreBytes:N0} bytes); includes recomputing all {fullStats.Rules:N0} rules; median of {Rounds * Incremental}"),
        ];
    }

    /// <summary>Service i: cluster IP 10.96.x.y, port 80 → 10 endpoints on 8080; <paramref name="variant"/> shifts the last endpoint.</summary>
    private static ServicePortInfo Port(int i, int variant)
    {
        var endpoints = Enumerable.Range(0, EndpointsPer)
            .Select(e => new EndpointInfo($"10.244.{(i * EndpointsPer + e) / 250 % 250}.{(i * EndpointsPer + e) % 250 + 1}", 8080, true, true, false, e % 2 == 0))
            .ToList();
        if (variant > 0) endpoints[^1] = endpoints[^1] with { Ip = $"10.245.{variant / 250 % 250}.{variant % 250 + 1}" };
        return new ServicePortInfo($"bench/svc-{i}:http", "TCP", $"10.96.{i / 250 + 1}.{i % 250 + 1}", 80, 0, [], null, false, false, endpoints);
    }

    /// <summary>CPU milliseconds used so far by this process and its finished children (the iptables tools).</summary>
    private static double Cpu()
    {
        double Ms(in RUsage u) => (u.UserSec + u.SysSec) * 1000.0 + (u.UserUsec + u.SysUsec) / 1000.0;
        getrusage(-1, out var children);   // RUSAGE_CHILDREN
        return Ms(children) + Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: {await p.StandardError.ReadToEndAsync()}");
    }
}
