using System.Diagnostics;
using System.Net;

namespace Bosun.Bench;

/// <summary>
/// Targets 1 and 2. Each round measures, back to back on the same disk: the raw SQLite single-row commit rate; ConfigMap
/// creates/s through HTTPS with <see cref="Creators"/> concurrent creators; and mutating-request latency (create, then
/// update of the same object, in a closed loop) for <see cref="Clients"/> clients with one HttpClient (one HTTP/2
/// connection) each, and for comparison the same clients multiplexed over one shared connection. Every API case gets
/// a fresh server on a fresh database file.
/// </summary>
internal static class ApiWriteBenchmark
{
    public const int Creators = 64;
    public const int CreatorConnections = 8;
    public const int Clients = 50;
    private const int Rounds = 5;

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        var state = directory.File("server");
        var n = 0;
        string Db() => directory.File($"api-{n++}.db");

        // Warm-up (JIT, thread pool, TLS): not reported.
        await using (var warm = await InProcessServer.StartAsync(state, Db()))
            await RunWritersAsync(warm, Creators, CreatorConnections, TimeSpan.FromSeconds(8), update: true, "warm");

        var raw = new List<double>();
        var api = new List<double>();
        var apiCpu = new List<double>();
        var rawCpu = new List<double>();
        var own = new List<Result>();
        var split = new List<LoadClientProcess.Outcome>();
        var shared = new List<Result>();
        for (var round = 0; round < Rounds; round++)
        {
            var rawCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            raw.Add(RawSqlite.MeasureCommitsPerSecond(directory.File($"raw-{round}.db"), duration));
            rawCpu.Add((Process.GetCurrentProcess().TotalProcessorTime - rawCpu0).TotalMicroseconds / (raw[^1] * duration.TotalSeconds));
            await using (var server = await InProcessServer.StartAsync(state, Db()))
            {
                var r = await RunWritersAsync(server, Creators, CreatorConnections, duration, update: false, "c");
                api.Add(r.PerSecond);
                apiCpu.Add(r.CpuMicros);
            }
            await using (var server = await InProcessServer.StartAsync(state, Db()))
            {
                var o = await LoadClientProcess.RunAsync(server, Creators, CreatorConnections, duration, "x");
                split.Add(o);
            }
            await using (var server = await InProcessServer.StartAsync(state, Db()))
                own.Add(await RunWritersAsync(server, Clients, Clients, duration, update: true, "o"));
            await using (var server = await InProcessServer.StartAsync(state, Db()))
                shared.Add(await RunWritersAsync(server, Clients, 1, duration, update: true, "s"));
            Console.WriteLine($"  round {round + 1}: raw {raw[^1],8:N0}/s  api creates {api[^1],7:N0}/s  ratio {api[^1] / raw[^1]:0.000}  | " +
                $"client in own process: {split[^1].Client.PerSecond,7:N0}/s ratio {split[^1].Client.PerSecond / raw[^1]:0.000}, server CPU {split[^1].ServerCpuMicrosPerRequest:0} µs/create, client {split[^1].Client.CpuMicros:0} µs  | " +
                $"{Clients} clients own conn: p50 {own[^1].P50,6:0.0} p99 {own[^1].P99,6:0.0} ms {own[^1].PerSecond,6:N0}/s  | " +
                $"shared conn: p50 {shared[^1].P50,6:0.0} p99 {shared[^1].P99,6:0.0} ms {shared[^1].PerSecond,6:N0}/s");
        }

        var ratios = raw.Zip(api, (r, a) => a / r).ToList();
        var ratio = Stats.Median(ratios);
        var splitRatio = Stats.Median(raw.Zip(split, (r, o) => o.Client.PerSecond / r));
        var serverCpu = Stats.Median(split.Select(o => o.ServerCpuMicrosPerRequest));
        var clientCpu = Stats.Median(split.Select(o => o.Client.CpuMicros));
        var p99 = Stats.Median(own.Select(r => r.P99));
        Console.WriteLine($"api-write: medians of {Rounds} rounds, {duration.TotalSeconds:0.#} s each");
        Console.WriteLine($"  raw SQLite commits/s {Stats.Median(raw):N0}; API creates/s ({Creators} creators, {CreatorConnections} connections) {Stats.Median(api):N0}; ratio {ratio:0.000}");
        Console.WriteLine($"  creators in a child process: {Stats.Median(split.Select(o => o.Client.PerSecond)):N0}/s, ratio {splitRatio:0.000}; server CPU {serverCpu:0} µs per create, client process {clientCpu:0} µs per create");
        Console.WriteLine($"  {Clients} clients, own connection: p50 {Stats.Median(own.Select(r => r.P50)):0.0} ms, p99 {p99:0.0} ms, {Stats.Median(own.Select(r => r.PerSecond)):N0} req/s");
        Console.WriteLine($"  {Clients} clients, one shared connection: p50 {Stats.Median(shared.Select(r => r.P50)):0.0} ms, p99 {Stats.Median(shared.Select(r => r.P99)):0.0} ms, {Stats.Median(shared.Select(r => r.PerSecond)):N0} req/s");
        return
        [
            new("1. API creates/s ÷ raw SQLite commits/s", $"{ratio:0.000} ({Stats.Median(api):N0} / {Stats.Median(raw):N0})", "≥ 0.5", ratio >= 0.5,
                $"{Creators} creators over {CreatorConnections} HTTP/2 connections; median of per-round ratios; {Stats.Median(apiCpu):0} µs CPU per create (client+server, one process) vs {Stats.Median(rawCpu):0} µs per raw commit"),
            new("1'. same, creators in a child process (info)", $"{splitRatio:0.000} ({Stats.Median(split.Select(o => o.Client.PerSecond)):N0} / {Stats.Median(raw):N0})", "—", true,
                $"server alone {serverCpu:0} µs CPU per create; the client process {clientCpu:0} µs per create"),
            new($"2. mutating p99, {Clients} concurrent clients", $"{p99:0.0} ms (p50 {Stats.Median(own.Select(r => r.P50)):0.0} ms)", "≤ 20 ms", p99 <= 20,
                $"one connection per client, create+update closed loop, {Stats.Median(own.Select(r => r.PerSecond)):N0} req/s, {Stats.Median(own.Select(r => r.CpuMicros)):0} µs CPU/request; shared connection: p99 {Stats.Median(shared.Select(r => r.P99)):0.0} ms"),
        ];
    }

    /// <summary>
    /// Target 1 alone, for profiling and quick before/after checks (<c>Bosun.Bench.dll api-create [seconds]</c>): one
    /// longer warm-up, then per round the raw commit rate and in-process creates back to back. Not in <c>all</c>.
    /// </summary>
    public static async Task<List<SummaryRow>> CreateOnlyAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        var state = directory.File("server");
        await using (var warm = await InProcessServer.StartAsync(state, directory.File("warm.db")))
            await RunWritersAsync(warm, Creators, CreatorConnections, TimeSpan.FromSeconds(8), update: false, "warm");
        var ratios = new List<double>();
        var cpus = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var raw = RawSqlite.MeasureCommitsPerSecond(directory.File($"raw-{round}.db"), duration);
            var db = directory.File($"api-{round}.db");
            await using var server = await InProcessServer.StartAsync(state, db);
            var w0 = server.WriterStats();
            var r = await RunWritersAsync(server, Creators, CreatorConnections, duration, update: false, "c");
            if (Stats.Verbose)
                Console.WriteLine($"    {InProcessServer.DescribeWriter(w0, server.WriterStats(), duration.TotalSeconds)}; WAL {new FileInfo(db + "-wal").Length / 1e6:0.0} MB, {server.CheckpointInfo()}");
            ratios.Add(r.PerSecond / raw);
            cpus.Add(r.CpuMicros);
            Console.WriteLine($"  round {round + 1}: raw {raw,8:N0}/s  api creates {r.PerSecond,7:N0}/s  ratio {ratios[^1]:0.000}  CPU {r.CpuMicros:0} µs/create (client+server)");
        }
        Console.WriteLine($"api-create: median ratio {Stats.Median(ratios):0.000}, median CPU {Stats.Median(cpus):0} µs per create");
        return [];
    }

    internal readonly record struct Result(double PerSecond, double P50, double P99, double CpuMicros, int Requests = 0);

    /// <summary>
    /// <paramref name="writers"/> closed-loop writers spread over <paramref name="connections"/> HttpClients. Each creates a
    /// ConfigMap and, with <paramref name="update"/>, then updates it with the returned resourceVersion; every request is timed.
    /// </summary>
    internal static Task<Result> RunWritersAsync(InProcessServer server, int writers, int connections, TimeSpan duration, bool update, string prefix) =>
        RunWritersAsync(server.Url, server.Token, writers, connections, duration, update, prefix);

    internal static async Task<Result> RunWritersAsync(Uri url, string token, int writers, int connections, TimeSpan duration, bool update, string prefix,
        Func<Task>? beforeClock = null)
    {
        var clients = Enumerable.Range(0, connections).Select(_ => ApiClient.Create(url, token)).ToArray();
        try
        {
            // Open every connection (TLS handshake) before the clock starts.
            await Task.WhenAll(clients.Select(c => c.GetAsync("/readyz")));
            if (beforeClock is not null) await beforeClock();
            var server0 = ServerTimes.Now();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            var latencies = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                var client = clients[w % clients.Length];
                var times = new List<long>(4096);
                for (var i = 0; Stopwatch.GetTimestamp() < end; i++)
                {
                    var name = $"{prefix}-{w}-{i}";
                    var t0 = Stopwatch.GetTimestamp();
                    var created = await ApiClient.SendAsync(client, HttpMethod.Post, "/api/v1/namespaces/default/configmaps",
                        ApiClient.ConfigMap(name), HttpStatusCode.Created);
                    var t1 = Stopwatch.GetTimestamp();
                    times.Add(t1 - t0);
                    if (!update || t1 >= end) continue;
                    await ApiClient.SendAsync(client, HttpMethod.Put, $"/api/v1/namespaces/default/configmaps/{name}",
                        ApiClient.ConfigMap(name, ApiClient.ResourceVersion(created)), HttpStatusCode.OK);
                    times.Add(Stopwatch.GetTimestamp() - t1);
                }
                return times;
            })));
            var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds;
            var all = latencies.SelectMany(l => l).Select(Stats.Ms).Order().ToArray();
            var result = new Result(all.Length / elapsed, Stats.Percentile(all, 0.50), Stats.Percentile(all, 0.99), cpu / Math.Max(1, all.Length), all.Length);
            if (Stats.Verbose)
                Console.WriteLine($"    {writers} writers/{connections} conn: client mean {all.Average():0.00} ms p50 {result.P50:0.00} p99 {result.P99:0.00}; CPU {result.CpuMicros:0} µs/request (client+server); {ServerTimes.Now().Since(server0)}");
            return result;
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }
    }
}
