using Bosun.Testing.Etcd;

namespace Bosun.Bench;

/// <summary>
/// Why a create transaction is slower than a put on etcd 3.4 (report only): per etcd setting, raw puts, puts with
/// prev_kv, create-if-absent transactions and transactions without a compare from the same 64 writers, with the etcd
/// process's CPU per write. Every 3.4 Txn opens a read view whose creation copies the backend's read buffer
/// (mvcc/backend/backend.go ConcurrentReadTx → tx_buffer.go unsafeCopy); a Put does not. If that copy is the cost,
/// the txn/put ratio moves with the buffer's size (batch interval/limit) and the Go GC setting, not with the compare.
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
    ];

    private static readonly RawEtcdWrite[] Shapes = [RawEtcdWrite.Put, RawEtcdWrite.PutPrevKv, RawEtcdWrite.CreateTxn, RawEtcdWrite.PlainTxn];

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        var rows = new List<SummaryRow>();
        foreach (var setting in Settings)
            rows.AddRange(await RunSettingAsync(setting, duration));
        return rows;
    }

    private static async Task<List<SummaryRow>> RunSettingAsync(Setting setting, TimeSpan duration)
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
        var rates = Shapes.ToDictionary(s => s, _ => new List<double>());
        var cpu = Shapes.ToDictionary(s => s, _ => new List<double>());
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var shape in Shapes)
            {
                var result = await RawEtcdLoad.RunAsync(etcd.EndpointUris[0], shape, ApiWriteBenchmark.Creators, duration, $"/raw/{round}", member.ProcessId);
                rates[shape].Add(result.PerSecond);
                cpu[shape].Add(result.EtcdCpuMicros);
            }
            Console.WriteLine("   round " + (round + 1) + ": " + string.Join("  ", Shapes.Select(s => $"{s} {rates[s][^1],7:N0}/s ({cpu[s][^1]:0} µs)")));
        }
        var put = Stats.Median(rates[RawEtcdWrite.Put]);
        var ratio = Stats.Median(rates[RawEtcdWrite.Put].Zip(rates[RawEtcdWrite.CreateTxn], (p, t) => t / p));
        var plain = Stats.Median(rates[RawEtcdWrite.Put].Zip(rates[RawEtcdWrite.PlainTxn], (p, t) => t / p));
        var prevKv = Stats.Median(rates[RawEtcdWrite.Put].Zip(rates[RawEtcdWrite.PutPrevKv], (p, t) => t / p));
        return
        [
            new($"etcd {setting.Name}: create txns/s ÷ puts/s", $"{ratio:0.000} ({Stats.Median(rates[RawEtcdWrite.CreateTxn]):N0} / {put:N0})", "report", true,
                $"txn without compare ÷ puts {plain:0.000}; put with prev_kv ÷ puts {prevKv:0.000}; etcd CPU per write: " +
                string.Join(", ", Shapes.Select(s => $"{s} {Stats.Median(cpu[s]):0} µs")) + $"; {ApiWriteBenchmark.Creators} writers, median of {Rounds} rounds"),
        ];
    }
}
