using System.Diagnostics;
using Bosun.Storage.Sqlite;

namespace Bosun.Bench;

/// <summary>
/// Compares SqliteStore.CreateAsync throughput (1 and 32 concurrent writers) with the raw single-row commit rate;
/// the target is a store/raw ratio of at least 0.5, which group commit makes reachable.
/// </summary>
internal static class SqliteBenchmark
{
    private const int Runs = 5;

    public static async Task RunAsync(TimeSpan duration)
    {
        using var directory = new BenchDirectory();
        var cases = new (string Name, Func<int, Task<double>> Measure)[]
        {
            ("raw sqlite, 1 row/tx", run => Task.FromResult(RawSqlite.MeasureCommitsPerSecond(directory.File($"raw-{run}.db"), duration))),
            ("SqliteStore.CreateAsync, 1 writer", run => MeasureStoreAsync(directory.File($"store-1-{run}.db"), 1, duration)),
            ("SqliteStore.CreateAsync, 32 writers", run => MeasureStoreAsync(directory.File($"store-32-{run}.db"), 32, duration)),
        };
        var rates = cases.Select(_ => new List<double>()).ToArray();
        // Each round measures every case back to back, so load from other processes skews them alike.
        for (var run = 0; run < Runs; run++)
        {
            for (var c = 0; c < cases.Length; c++)
                rates[c].Add(await cases[c].Measure(run));
        }
        Print(cases.Select((c, i) => (c.Name, Median(rates[i]))).ToList(), duration);
    }

    /// <summary>Creates distinct keys from <paramref name="writers"/> concurrent tasks for <paramref name="duration"/>; returns creates per second.</summary>
    private static async Task<double> MeasureStoreAsync(string path, int writers, TimeSpan duration)
    {
        await using var store = await SqliteStore.OpenAsync(path);
        var value = new byte[RawSqlite.ValueSize];
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            long created = 0;
            while (clock.Elapsed < duration)
                await store.CreateAsync($"/bench/{writer}/{created++}", value, CancellationToken.None);
            return created;
        })));
        var elapsed = clock.Elapsed;
        if (Environment.GetEnvironmentVariable("BOSUN_BENCH_VERBOSE") == "1")
            Console.WriteLine($"  {writers} writer(s): {counts.Sum()} creates in {store.CommittedBatches} transactions");
        return counts.Sum() / elapsed.TotalSeconds;
    }

    private static double Median(List<double> rates) => rates.Order().ElementAt(rates.Count / 2);

    private static void Print(List<(string Name, double Rate)> rows, TimeSpan duration)
    {
        Console.WriteLine($"sqlite: median of {Runs} runs, {duration.TotalSeconds:0.#} s each, {RawSqlite.ValueSize} B values");
        Console.WriteLine($"{"case",-40} {"ops/s",12} {"store/raw",10}");
        var raw = rows[0].Rate;
        foreach (var (name, rate) in rows)
            Console.WriteLine($"{name,-40} {rate,12:N0} {rate / raw,10:0.00}");
    }
}
