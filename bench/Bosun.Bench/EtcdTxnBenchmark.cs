using Bosun.Testing.Etcd;

namespace Bosun.Bench;

/// <summary>
/// Why a create transaction is slower than a put on etcd 3.4 (report only). Per etcd setting, from the same 64 writers:
/// raw puts, puts with prev_kv, create-if-absent transactions, transactions without a compare, <c>EtcdStore</c> creates
/// and ConfigMap creates through the API server, with etcd's and this process's CPU per write. Every 3.4 Txn opens a
/// read view whose creation copies the backend's read buffer (mvcc/backend/backend.go ConcurrentReadTx →
/// tx_buffer.go unsafeCopy), garbage the Go GC then pays for; a Put does not. If that is the cost, the txn/put ratio
/// moves with the buffer's size (batch interval/limit) and with GOGC, and not with the compare.
/// </summary>
internal static class EtcdTxnBenchmark
{
    private const int Rounds = 3;

    private sealed record Setting(string Name, string[] Args, string? Gogc = null);

    private static readonly Setting[] Settings =
    [
        new("defaults (batch 100ms / 10,000)", []),
        new("--backend-batch-interval=10ms", ["--backend-batch-interval", "10ms"]),
        new("--backend-batch-interval=1ms --backend-batch-limit=100", ["--backend-batch-interval", "1ms", "--backend-batch-limit", "100"]),
        new("GOGC=400", [], Gogc: "400"),
        new("GOGC=400 --backend-batch-interval=10ms", ["--backend-batch-interval", "10ms"], Gogc: "400"),
    ];

    private static readonly RawEtcdWrite[] Shapes = [RawEtcdWrite.Put, RawEtcdWrite.PutPrevKv, RawEtcdWrite.CreateTxn, RawEtcdWrite.PlainTxn];

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        var rows = new List<SummaryRow> { await HighWaterMarkAsync(duration), await ConnectionsAsync(duration) };
        foreach (var setting in Settings)
            rows.AddRange(await RunSettingAsync(directory, setting, duration));
        return rows;
    }

    private static async Task<List<SummaryRow>> RunSettingAsync(BenchDirectory directory, Setting setting, TimeSpan duration)
    {
        Console.WriteLine($"-- etcd {setting.Name}");
        await using var etcd = await EtcdCluster.StartAsync(1, prepare: m =>
        {
            if (setting.Gogc is not null)
                m.Environment["GOGC"] = setting.Gogc;
            return Task.CompletedTask;
        }, onDisk: true, [.. setting.Args, "--enable-pprof"]);
        var member = etcd.Members[0];
        Console.WriteLine($"   {member.ClientUrl}/debug/pprof/ (pid {member.ProcessId})");
        var raw = Shapes.ToDictionary(s => s, _ => new List<RawEtcdLoad.Result>());
        var store = new List<RawEtcdLoad.Result>();
        var watched = new List<RawEtcdLoad.Result>();
        var api = new List<(double PerSecond, double CpuMicros, double EtcdCpuMicros)>();
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var shape in Shapes)
                raw[shape].Add(await RawEtcdLoad.RunAsync(etcd.EndpointUris[0], shape, ApiWriteBenchmark.Creators, duration, $"/raw/{round}", member.ProcessId));
            watched.Add(await WatchedCreateTxnsAsync(etcd, duration, round));
            var (storeCreates, apiCreates, apiEtcdCpu) = await EtcdBenchmark.StoreAndApiCreatesAsync(directory, etcd, duration, round);
            store.Add(storeCreates);
            api.Add((apiCreates.PerSecond, apiCreates.CpuMicros, apiEtcdCpu));
            Console.WriteLine($"   round {round + 1}: " + string.Join("  ", Shapes.Select(s => Describe(s.ToString(), raw[s][^1]))) +
                "  " + Describe("CreateTxn+watch", watched[^1]) + "  " + Describe("EtcdStore", store[^1]) + $"  API {api[^1].PerSecond,7:N0}/s (etcd {api[^1].EtcdCpuMicros:0} µs, process {api[^1].CpuMicros:0} µs)");
        }
        var puts = raw[RawEtcdWrite.Put].Select(r => r.PerSecond).ToList();
        double Ratio(IEnumerable<double> rates) => Stats.Median(puts.Zip(rates, (p, r) => r / p));
        double Rate(RawEtcdWrite shape) => Stats.Median(raw[shape].Select(r => r.PerSecond));
        double EtcdCpu(RawEtcdWrite shape) => Stats.Median(raw[shape].Select(r => r.EtcdCpuMicros));
        var txnRatio = Ratio(raw[RawEtcdWrite.CreateTxn].Select(r => r.PerSecond));
        var apiRatio = Ratio(api.Select(a => a.PerSecond));
        return
        [
            new($"etcd {setting.Name}: raw create txns/s ÷ raw puts/s", $"{txnRatio:0.000} ({Rate(RawEtcdWrite.CreateTxn):N0} / {Stats.Median(puts):N0})", "report", true,
                $"txn without compare ÷ puts {Ratio(raw[RawEtcdWrite.PlainTxn].Select(r => r.PerSecond)):0.000}; put with prev_kv ÷ puts {Ratio(raw[RawEtcdWrite.PutPrevKv].Select(r => r.PerSecond)):0.000}; " +
                "etcd CPU per write: " + string.Join(", ", Shapes.Select(s => $"{s} {EtcdCpu(s):0} µs")) + $"; {ApiWriteBenchmark.Creators} writers, median of {Rounds} rounds"),
            new($"etcd {setting.Name}: API creates/s ÷ raw puts/s", $"{apiRatio:0.000} ({Stats.Median(api.Select(a => a.PerSecond)):N0} / {Stats.Median(puts):N0})", "report", true,
                $"etcd CPU per API create {Stats.Median(api.Select(a => a.EtcdCpuMicros)):0} µs (per raw create txn with one prefix watcher open {Stats.Median(watched.Select(w => w.EtcdCpuMicros)):0} µs), this process {Stats.Median(api.Select(a => a.CpuMicros)):0} µs; " +
                $"EtcdStore creates {Stats.Median(store.Select(s => s.PerSecond)):N0}/s, client CPU {Stats.Median(store.Select(s => s.ClientCpuMicros)):0} µs vs raw create txn client {Stats.Median(raw[RawEtcdWrite.CreateTxn].Select(r => r.ClientCpuMicros)):0} µs"),
        ];
    }

    /// <summary>
    /// The read buffer a Txn copies keeps the size of the busiest batch so far: on a fresh etcd (defaults), create
    /// transactions, again (drift), then one burst of plain puts, then create transactions again. Fresh etcd per round.
    /// </summary>
    private static async Task<SummaryRow> HighWaterMarkAsync(TimeSpan duration)
    {
        Console.WriteLine("-- etcd defaults, fresh: create txns, create txns, put burst, create txns");
        var phases = new List<RawEtcdLoad.Result[]>();
        for (var round = 0; round < Rounds; round++)
        {
            await using var etcd = await EtcdCluster.StartAsync(onDisk: true);
            var pid = etcd.Members[0].ProcessId;
            var endpoint = etcd.EndpointUris[0];
            var first = await RawEtcdLoad.RunAsync(endpoint, RawEtcdWrite.CreateTxn, ApiWriteBenchmark.Creators, duration, "/fresh/a", pid);
            var second = await RawEtcdLoad.RunAsync(endpoint, RawEtcdWrite.CreateTxn, ApiWriteBenchmark.Creators, duration, "/fresh/b", pid);
            var burst = await RawEtcdLoad.RunAsync(endpoint, RawEtcdWrite.Put, ApiWriteBenchmark.Creators, duration, "/fresh/burst", pid);
            var after = await RawEtcdLoad.RunAsync(endpoint, RawEtcdWrite.CreateTxn, ApiWriteBenchmark.Creators, duration, "/fresh/c", pid);
            phases.Add([first, second, burst, after]);
            Console.WriteLine($"   round {round + 1}: " + string.Join("  ", new[] { "txns", "txns again", "put burst", "txns after" }.Zip(phases[^1], Describe)));
        }
        double Cpu(int phase) => Stats.Median(phases.Select(p => p[phase].EtcdCpuMicros));
        double Rate(int phase) => Stats.Median(phases.Select(p => p[phase].PerSecond));
        return new("etcd defaults, fresh: etcd CPU per create txn before → after one put burst",
            $"{Cpu(1):0} → {Cpu(3):0} µs", "report", true,
            $"first {Cpu(0):0} µs ({Rate(0):N0}/s), again {Cpu(1):0} µs ({Rate(1):N0}/s), burst of puts {Rate(2):N0}/s ({Cpu(2):0} µs), after {Cpu(3):0} µs ({Rate(3):N0}/s); median of {Rounds} fresh members");
    }

    /// <summary>Create transactions from the same 64 writers over one gRPC channel and over four (fresh etcd, defaults).</summary>
    private static async Task<SummaryRow> ConnectionsAsync(TimeSpan duration)
    {
        Console.WriteLine("-- etcd defaults, fresh: create txns over 1 and 4 connections");
        await using var etcd = await EtcdCluster.StartAsync(onDisk: true);
        var pid = etcd.Members[0].ProcessId;
        var one = new List<RawEtcdLoad.Result>();
        var four = new List<RawEtcdLoad.Result>();
        for (var round = 0; round < Rounds; round++)
        {
            // Alternating the order, so neither always runs on the older (slower) member.
            foreach (var channels in round % 2 == 0 ? new[] { 1, 4 } : [4, 1])
                (channels == 1 ? one : four).Add(await RawEtcdLoad.RunAsync(etcd.EndpointUris[0], RawEtcdWrite.CreateTxn, ApiWriteBenchmark.Creators, duration, $"/conn/{round}", pid, channels));
            Console.WriteLine($"   round {round + 1}: {Describe("1 connection", one[^1])}  {Describe("4 connections", four[^1])}");
        }
        var ratio = Stats.Median(one.Zip(four, (a, b) => b.PerSecond / a.PerSecond));
        return new("etcd defaults: create txns/s over 4 connections ÷ over 1", $"{ratio:0.000} ({Stats.Median(four.Select(r => r.PerSecond)):N0} / {Stats.Median(one.Select(r => r.PerSecond)):N0})", "report", true,
            $"etcd CPU per txn {Stats.Median(four.Select(r => r.EtcdCpuMicros)):0} vs {Stats.Median(one.Select(r => r.EtcdCpuMicros)):0} µs, client {Stats.Median(four.Select(r => r.ClientCpuMicros)):0} vs {Stats.Median(one.Select(r => r.ClientCpuMicros)):0} µs; {ApiWriteBenchmark.Creators} writers, median of {Rounds} rounds");
    }

    /// <summary>
    /// Raw create transactions while one watcher (prev_kv and progress notifications, as the API server's watch cache
    /// asks) receives every event: what etcd pays to deliver each write to the API server.
    /// </summary>
    private static async Task<RawEtcdLoad.Result> WatchedCreateTxnsAsync(EtcdCluster etcd, TimeSpan duration, int round)
    {
        var prefix = $"/raw/{round}/watched";
        await using var store = await Bosun.Storage.Etcd.EtcdStore.OpenAsync(new Bosun.Storage.Etcd.EtcdStoreOptions { Endpoints = etcd.EndpointUris });
        using var stop = new CancellationTokenSource();
        var from = await store.CurrentRevisionAsync(default);
        var events = 0L;
        var drain = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in store.WatchAsync(prefix + "/", from, stop.Token))
                    events++;
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // the end of the measurement
            }
        });
        var result = await RawEtcdLoad.RunAsync(etcd.EndpointUris[0], RawEtcdWrite.CreateTxn, ApiWriteBenchmark.Creators, duration, prefix, etcd.Members[0].ProcessId);
        await stop.CancelAsync();
        await drain;
        if (events == 0)
            throw new InvalidOperationException("the watcher saw no events");
        return result;
    }

    private static string Describe(string name, RawEtcdLoad.Result r) => $"{name} {r.PerSecond,6:N0}/s ({r.EtcdCpuMicros:0}+{r.ClientCpuMicros:0} µs)";
}
