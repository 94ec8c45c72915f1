using System.Diagnostics;
using Bosun.ApiServer;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Allocation;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.ApiServer.Watch;
using Bosun.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Bench;

/// <summary>
/// The API server's create path without HTTP and TLS (<c>Bosun.Bench.dll registry [seconds]</c>, not in <c>all</c>):
/// the same catalog, admission chain, namespace cache and watch cache as <c>ApiServerHost</c> over a fresh SQLite
/// file; <see cref="ApiWriteBenchmark.Creators"/> concurrent loops each parse a ConfigMap body, create it (with a field
/// manager, as a named client gets) and serialize the answer. CPU per create here is the registry + storage share of
/// target 1, next to the raw commit rate of the same round.
/// </summary>
internal static class RegistryBenchmark
{
    private const int Rounds = 5;

    /// <summary>A measurement of this length first prints the per-step timings (<see cref="CreateSteps"/>).</summary>
    private static readonly TimeSpan StepsMarker = TimeSpan.FromSeconds(0.5);

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        await MeasureAsync(directory.File("warm.db"), TimeSpan.FromSeconds(5));
        await MeasureAsync(directory.File("steps.db"), StepsMarker);
        var cpus = new List<double>();
        var ratios = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var raw = RawSqlite.MeasureCommitsPerSecond(directory.File($"raw-{round}.db"), duration);
            var (perSecond, cpu) = await MeasureAsync(directory.File($"reg-{round}.db"), duration);
            cpus.Add(cpu);
            ratios.Add(perSecond / raw);
            Console.WriteLine($"  round {round + 1}: raw {raw,8:N0}/s  registry creates {perSecond,8:N0}/s  ratio {ratios[^1]:0.000}  CPU {cpu:0.0} µs/create");
        }
        Console.WriteLine($"registry: median CPU {Stats.Median(cpus):0.0} µs per create, median ratio {Stats.Median(ratios):0.000}");
        return [];
    }

    /// <summary><c>create-steps</c>: only the per-step timings and allocations, after a short warm-up (not in <c>all</c>).</summary>
    public static async Task<List<SummaryRow>> StepsAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        await MeasureAsync(directory.File("warm.db"), duration);
        await MeasureAsync(directory.File("steps.db"), StepsMarker);
        return [];
    }

    private static async Task<(double PerSecond, double CpuMicros)> MeasureAsync(string path, TimeSpan duration)
    {
        var sqlite = await SqliteStore.OpenAsync(path);
        var storage = new InstrumentedStore(sqlite);
        await using var storageLifetime = storage;
        var catalog = new ResourceCatalog(BuiltInKinds.Create(new ServiceAllocator(new ClusterIpRange(System.Net.IPNetwork.Parse("10.96.0.0/12")), new NodePortRange())),
            storage, TimeProvider.System);
        var admission = ApiServerHost.AdmissionPlugins(storage, catalog);
        foreach (var s in catalog.All) s.Admission = admission;
        await using var cache = new WatchCache(storage, NullLogger<WatchCache>.Instance);
        await cache.StartAsync(CancellationToken.None);
        await Bosun.ApiServer.Bootstrap.DefaultNamespaces.EnsureAsync(catalog, CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var follow = Task.Run(() => catalog.Namespaces.FollowAsync(cache, catalog.Get("", "v1", "namespaces").Registration, stop.Token));
        var store = catalog.Get("", "v1", "configmaps");
        var options = new WriteOptions { FieldManager = "bosun-bench" };
        if (duration == StepsMarker) await CreateSteps.PrintAsync(store, storage, sqlite, 20_000);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counts = await Task.WhenAll(Enumerable.Range(0, ApiWriteBenchmark.Creators).Select(w => Task.Run(async () =>
        {
            var n = 0;
            while (Stopwatch.GetTimestamp() < end)
            {
                var body = RequestBody.ParseJsonObject(ApiClient.ConfigMap($"r-{w}-{n}"));
                var created = await store.CreateAsync("default", body, options, CancellationToken.None);
                _ = Json.ToBytes(created);
                n++;
            }
            return n;
        })));
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds;
        await stop.CancelAsync();
        await follow.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var total = counts.Sum();
        return (total / elapsed, cpu / Math.Max(1, total));
    }
}
