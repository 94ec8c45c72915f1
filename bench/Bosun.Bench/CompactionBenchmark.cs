using System.Diagnostics;
using Bosun.ApiServer.Bootstrap;
using Bosun.Storage;
using Bosun.Storage.Etcd;
using Bosun.Storage.Sqlite;
using Bosun.Testing.Etcd;
using Etcdserverpb;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Bench;

/// <summary>
/// Compaction of 100,000 revisions (1,000 keys × 100 versions of 512 bytes) down to the latest values, while a probe
/// writer updates its own key in a closed loop: the database size before and after, how long compaction took, and the
/// longest probe write during it (the write stall) against the longest before it. SQLite on disk; etcd (one member,
/// on disk) with its compact, then a defragment, which etcd needs to give the space back.
/// </summary>
internal static class CompactionBenchmark
{
    private const int Keys = 1000, Versions = 100, Writers = 32;
    private static readonly byte[] Value = new byte[512];

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        var rows = new List<SummaryRow>();
        var path = directory.File("compaction.db");
        await using (var sqlite = await SqliteStore.OpenAsync(path))
        {
            await FillAsync(sqlite);
            var before = SqliteBytes(path);
            var (baseline, stall, elapsed) = await CompactUnderLoadAsync(sqlite, () => Task.CompletedTask);
            var after = SqliteBytes(path);
            var free = FreeBytes(path);
            Console.WriteLine($"  sqlite: {before / 1e6:0.0} MB before, {after / 1e6:0.0} MB after ({free / 1e6:0.0} MB of it free pages, reused by later writes); compaction {elapsed.TotalMilliseconds:N0} ms; longest probe write {stall:0.0} ms during, {baseline:0.0} ms before");
            rows.Add(new("compaction, SQLite, 100,000 revisions: longest write stall", $"{stall:0.0} ms", "report", true,
                $"{elapsed.TotalMilliseconds:N0} ms to compact; DB {before / 1e6:0.0} MB → {after / 1e6:0.0} MB on disk with {free / 1e6:0.0} MB free pages (reused, not returned; VACUUM would); probe max {baseline:0.0} ms before"));
        }

        await using var etcd = await EtcdCluster.StartAsync(onDisk: true);
        await using var store = await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = etcd.EndpointUris });
        using var channel = GrpcChannel.ForAddress(etcd.EndpointUris[0]);
        var maintenance = new Maintenance.MaintenanceClient(channel);
        await FillAsync(store);
        var etcdBefore = (await maintenance.StatusAsync(new StatusRequest())).DbSize;
        var defragMs = 0.0;
        var (etcdBaseline, etcdStall, etcdElapsed) = await CompactUnderLoadAsync(store, async () =>
        {
            var clock = Stopwatch.StartNew();
            await maintenance.DefragmentAsync(new DefragmentRequest());
            defragMs = clock.Elapsed.TotalMilliseconds;
        });
        var etcdAfter = (await maintenance.StatusAsync(new StatusRequest())).DbSize;
        Console.WriteLine($"  etcd: {etcdBefore / 1e6:0.0} MB before, {etcdAfter / 1e6:0.0} MB after compact + defragment ({defragMs:N0} ms of it defragment); compaction {etcdElapsed.TotalMilliseconds:N0} ms; longest probe write {etcdStall:0.0} ms during, {etcdBaseline:0.0} ms before");
        rows.Add(new("compaction, etcd, 100,000 revisions: longest write stall", $"{etcdStall:0.0} ms", "report", true,
            $"compact + defragment {etcdElapsed.TotalMilliseconds:N0} ms (defragment {defragMs:N0} ms, blocks the member); DB {etcdBefore / 1e6:0.0} MB → {etcdAfter / 1e6:0.0} MB; probe max {etcdBaseline:0.0} ms before"));
        return rows;
    }

    /// <summary>100,000 revisions: each key created, then updated 99 times, by <see cref="Writers"/> concurrent writers.</summary>
    private static async Task FillAsync(IKeyValueStore store)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var k = w; k < Keys; k += Writers)
            {
                var key = $"/registry/configmaps/bench/k{k}";
                var revision = await store.CreateAsync(key, Value, default);
                for (var v = 1; v < Versions; v++)
                    revision = (await store.UpdateAsync(key, Value, revision, default)).Revision;
            }
        })));
        Console.WriteLine($"  wrote {Keys * Versions:N0} revisions in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>Max probe write latency for 2 s before, then during a full compaction (plus <paramref name="afterCompaction"/>).</summary>
    private static async Task<(double Baseline, double Stall, TimeSpan Elapsed)> CompactUnderLoadAsync(IKeyValueStore store, Func<Task> afterCompaction)
    {
        await store.CreateAsync("/registry/configmaps/bench/probe", Value, default);
        var baseline = await ProbeAsync(store, Task.Delay(2000));
        var target = await store.CurrentRevisionAsync(default);
        var compactor = new Compactor(store, new CompactionPolicy(), TimeProvider.System, NullLogger<Compactor>.Instance);
        var clock = Stopwatch.StartNew();
        var compaction = Task.Run(async () =>
        {
            await compactor.CompactAsync(target, default);
            await afterCompaction();
        });
        var stall = await ProbeAsync(store, compaction);
        await compaction;
        return (baseline, stall, clock.Elapsed);
    }

    /// <summary>The longest of back-to-back compare-and-swap updates of the probe key until <paramref name="until"/> ends.</summary>
    private static Task<double> ProbeAsync(IKeyValueStore store, Task until) => Task.Run(async () =>
    {
        const string key = "/registry/configmaps/bench/probe";
        var current = (await store.GetAsync(key, default))!.ModRevision;
        var max = 0.0;
        while (!until.IsCompleted)
        {
            var t0 = Stopwatch.GetTimestamp();
            var result = await store.UpdateAsync(key, Value, current, default);
            max = Math.Max(max, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            if (!result.Succeeded)
                throw new InvalidOperationException("probe lost its compare-and-swap: nothing else writes that key");
            current = result.Revision;
        }
        return max;
    });

    private static long SqliteBytes(string path) =>
        new[] { path, path + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length);

    private static long FreeBytes(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT freelist_count FROM pragma_freelist_count) * (SELECT page_size FROM pragma_page_size)";
        return (long)command.ExecuteScalar()!;
    }
}
