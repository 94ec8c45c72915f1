using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Allocation;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.Storage.Sqlite;

namespace Bosun.Bench;

/// <summary>
/// Service creates/s through the registry on SQLite (no HTTP), with the cluster IP and node port bitmaps kept in the
/// datastore (shared by every server: one extra compare-and-swap write per range a Service takes from) and, for
/// comparison, kept in this process only (what a single server did before). ClusterIP and NodePort Services,
/// <see cref="Writers"/> concurrent creators, a fresh database per case.
/// </summary>
internal static class ServiceCreateBenchmark
{
    private const int Writers = 16;
    private const int Rounds = 3;

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        var n = 0;
        await MeasureAsync(directory.File($"warm-{n++}.db"), shared: true, "ClusterIP", TimeSpan.FromSeconds(1));
        var results = new Dictionary<string, List<double>>();
        for (var round = 0; round < Rounds; round++)
        {
            foreach (var type in (string[])["ClusterIP", "NodePort"])
            foreach (var shared in (bool[])[false, true])
            {
                var rate = await MeasureAsync(directory.File($"svc-{n++}.db"), shared, type, duration);
                var key = $"{type} {(shared ? "shared" : "in-process")}";
                (results.TryGetValue(key, out var list) ? list : results[key] = []).Add(rate);
                Console.WriteLine($"  round {round + 1}: {key,-22} {rate,8:N0} creates/s");
            }
        }
        double Median(string key) => Stats.Median(results[key]);
        var rows = new List<SummaryRow>();
        foreach (var type in (string[])["ClusterIP", "NodePort"])
        {
            var ratio = Median($"{type} shared") / Median($"{type} in-process");
            rows.Add(new($"{type} Service creates/s, shared ranges ÷ in-process ranges", $"{ratio:0.00} ({Median($"{type} shared"):N0} / {Median($"{type} in-process"):N0})",
                "informational", true, $"registry on SQLite, {Writers} creators, median of {Rounds} rounds"));
        }
        return rows;
    }

    private static async Task<double> MeasureAsync(string db, bool shared, string type, TimeSpan duration)
    {
        await using var storage = await SqliteStore.OpenAsync(db);
        var allocator = new ServiceAllocator(new ClusterIpRange(IPNetwork.Parse("10.96.0.0/12"), shared ? storage : null),
            new NodePortRange(storage: shared ? storage : null));
        var catalog = new ResourceCatalog(BuiltInKinds.Create(allocator), storage, TimeProvider.System);
        await catalog.Get("", "v1", "namespaces").CreateAsync(null, Parse("""{"metadata":{"name":"default"}}"""), new WriteOptions(), CancellationToken.None);
        var services = catalog.Get("", "v1", "services");
        var created = 0;
        var next = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            // NodePorts run out at 2768: stop there.
            while (clock.Elapsed < duration && (type != "NodePort" || Volatile.Read(ref created) < 2700))
            {
                var i = Interlocked.Increment(ref next);
                await services.CreateAsync("default", Parse($$$"""{"metadata":{"name":"s{{{i}}}"},"spec":{"type":"{{{type}}}","selector":{"app":"x"},"ports":[{"port":80}]}}"""),
                    new WriteOptions(), CancellationToken.None);
                Interlocked.Increment(ref created);
            }
        })));
        return created / clock.Elapsed.TotalSeconds;
    }

    private static JsonObject Parse(string json) => JsonNode.Parse(json)!.AsObject();
}
