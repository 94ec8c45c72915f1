using Bosun.Storage.Etcd;
using Bosun.Testing.Etcd;

namespace Bosun.Bench;

/// <summary>
/// The API server on etcd against etcd itself, same run, same concurrency: raw etcd puts/s (64 concurrent writers
/// on one gRPC channel, ConfigMap-sized values) and ConfigMap creates/s through HTTPS into an in-process API server on
/// <see cref="EtcdStore"/> (64 creators over 8 HTTP/2 connections, as in api-write). One etcd member, data on disk.
/// </summary>
internal static class EtcdBenchmark
{
    private const int Rounds = 3;

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        await using var etcd = await EtcdCluster.StartAsync(onDisk: true);
        var raw = new List<double>();
        var api = new List<double>();
        var cpu = new List<double>();
        var txns = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            raw.Add((await RawEtcdLoad.RunAsync(etcd.EndpointUris[0], RawEtcdWrite.Put, ApiWriteBenchmark.Creators, duration, $"/raw/{round}")).PerSecond);
            txns.Add((await RawEtcdLoad.RunAsync(etcd.EndpointUris[0], RawEtcdWrite.CreateTxn, ApiWriteBenchmark.Creators, duration, $"/raw/{round}")).PerSecond);
            var (storeCreates, result, _) = await StoreAndApiCreatesAsync(directory, etcd, duration, round);
            api.Add(result.PerSecond);
            cpu.Add(result.CpuMicros);
            Console.WriteLine($"  round {round + 1}: raw etcd puts {raw[^1],7:N0}/s  raw create txns {txns[^1],7:N0}/s  EtcdStore creates {storeCreates.PerSecond,7:N0}/s  API creates on etcd {api[^1],7:N0}/s  ratio {api[^1] / raw[^1]:0.000}  ({cpu[^1]:0} µs CPU per create in this process)");
        }
        var ratio = Stats.Median(raw.Zip(api, (r, a) => a / r));
        var txnRatio = Stats.Median(txns.Zip(api, (r, a) => a / r));
        return
        [
            new("etcd: API creates/s ÷ raw etcd create transactions/s", $"{txnRatio:0.000} ({Stats.Median(api):N0} / {Stats.Median(txns):N0})", "report", true,
                "the same create-if-absent transaction EtcdStore (and kube-apiserver) sends, without the API server"),
            new("etcd: API creates/s ÷ raw etcd puts/s", $"{ratio:0.000} ({Stats.Median(api):N0} / {Stats.Median(raw):N0})", "≥ 0.5", ratio >= 0.5,
                $"{ApiWriteBenchmark.Creators} concurrent writers both; one etcd 3.4 member on disk; median of {Rounds} rounds; {Stats.Median(cpu):0} µs CPU per create (client+API server, one process)"),
        ];
    }

    /// <summary>
    /// One round of <see cref="EtcdStore.CreateAsync"/> alone (a transaction per create), then ConfigMap creates through
    /// an in-process API server on a fresh <see cref="EtcdStore"/>; round 0 warms the server up first (JIT, TLS).
    /// </summary>
    internal static async Task<(RawEtcdLoad.Result Store, ApiWriteBenchmark.Result Api, double ApiEtcdCpuMicros)> StoreAndApiCreatesAsync(BenchDirectory directory, EtcdCluster etcd, TimeSpan duration, int round)
    {
        var store = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = etcd.EndpointUris });
        var value = new byte[300];
        var storeCreates = await RawEtcdLoad.RunAsync(key => store.CreateAsync(key, value, default), ApiWriteBenchmark.Creators, duration, $"/store/{round}", etcd.Members[0].ProcessId);
        await using var server = await InProcessServer.StartAsync(directory.File("server"), store);
        if (round == 0)
            await ApiWriteBenchmark.RunWritersAsync(server, ApiWriteBenchmark.Creators, ApiWriteBenchmark.CreatorConnections, TimeSpan.FromSeconds(1), update: false, "warm");
        var etcdPid = etcd.Members[0].ProcessId ?? throw new InvalidOperationException("etcd is not running");
        var etcdCpu = ProcessFootprint.CpuSeconds(etcdPid);
        var api = await ApiWriteBenchmark.RunWritersAsync(server, ApiWriteBenchmark.Creators, ApiWriteBenchmark.CreatorConnections, duration, update: false, $"e{round}");
        return (storeCreates, api, (ProcessFootprint.CpuSeconds(etcdPid) - etcdCpu) * 1e6 / (api.PerSecond * duration.TotalSeconds));
    }
}
