using System.Globalization;
using Bosun.Bench;

// Usage: Bosun.Bench <benchmark> [seconds per run]
if (args.Length > 0 && args[0] == LoadClientProcess.Command) return await LoadClientProcess.ChildAsync(args);
var benchmarks = new Dictionary<string, Func<TimeSpan, Task<List<SummaryRow>>>>(StringComparer.OrdinalIgnoreCase)
{
    ["sqlite"] = async d => { await SqliteBenchmark.RunAsync(d); return []; },
    ["api-write"] = ApiWriteBenchmark.RunAsync,
    ["api-create"] = ApiWriteBenchmark.CreateOnlyAsync,
    ["api-soak"] = ApiSoakBenchmark.RunAsync,
    ["registry"] = RegistryBenchmark.RunAsync,
    ["create-steps"] = RegistryBenchmark.StepsAsync,
    ["watch"] = WatchBenchmark.RunAsync,
    ["server"] = ServerProcessBenchmark.RunAsync,
    ["proto"] = async d => { await ProtobufBenchmark.RunAsync(d); return []; },
    ["smp"] = async d => { await StrategicMergeBenchmark.RunAsync(d); return []; },
    ["scheduler"] = async d => { await SchedulerBenchmark.RunAsync(d); return []; },
    ["cluster"] = ClusterBenchmark.RunAsync,
    ["cri-start"] = CriStartBenchmark.RunAsync,
    ["pod-start"] = PodStartBenchmark.RunAsync,
    ["agent-footprint"] = AgentFootprintBenchmark.RunAsync,
    ["server-idle"] = ServerProcessBenchmark.RunAsync,
    ["server-idle-cpu"] = ServerIdleCpuBenchmark.RunAsync,
    ["proxy-sync"] = ProxySyncBenchmark.RunAsync,
    ["dns"] = DnsBenchmark.RunAsync,
    ["clusterip-hop"] = ClusterIpHopBenchmark.RunAsync,
    ["etcd"] = EtcdBenchmark.RunAsync,
    ["etcd-txn"] = EtcdTxnBenchmark.RunAsync,
    ["compaction"] = CompactionBenchmark.RunAsync,
    ["service-create"] = ServiceCreateBenchmark.RunAsync,
};

if (args.Length == 0 || !(args[0].Equals("all", StringComparison.OrdinalIgnoreCase) || benchmarks.ContainsKey(args[0])))
{
    Console.Error.WriteLine($"usage: Bosun.Bench <all|{string.Join('|', benchmarks.Keys)}> [seconds per run, default 3]");
    return 2;
}
var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var selected = args[0].Equals("all", StringComparison.OrdinalIgnoreCase)
    ? ["api-write", "watch", "server", "proto", "smp", "cluster", "proxy-sync", "dns"]
    : new[] { args[0] };
var loadBefore = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
var rows = new List<SummaryRow>();
foreach (var name in selected)
{
    Console.WriteLine($"== {name}");
    rows.AddRange(await benchmarks[name](TimeSpan.FromSeconds(seconds)));
}
if (rows.Count == 0) return 0;

Console.WriteLine();
Console.WriteLine($"## Bosun benchmarks — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, load average {loadBefore} before / {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?")} after");
Console.WriteLine();
Console.WriteLine("| target | measured (median) | limit | result | notes |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var r in rows)
    Console.WriteLine($"| {r.Target} | {r.Measured} | {r.Limit} | {(r.Pass ? "PASS" : "**FAIL**")} | {r.Detail} |");
return rows.All(r => r.Pass) ? 0 : 1;
