namespace Bosun.Bench;

/// <summary>
/// For profiling the create path (<c>Bosun.Bench.dll api-soak [seconds]</c>; not in <c>all</c>): one in-process server
/// on a fresh SQLite file, an 8 s warm-up, then target 1's creators in back-to-back 5 s slices for the given time,
/// each slice printing creates/s and CPU per create. No raw-SQLite phase in between, so a profiler attached after
/// "measuring" sees only the API path. Figures for the README come from <c>api-create</c>/<c>api-write</c>, not this.
/// </summary>
internal static class ApiSoakBenchmark
{
    public static async Task<List<SummaryRow>> RunAsync(TimeSpan duration)
    {
        // The byte-built request body must be exactly what formatting it as a string gave.
        var expected = System.Text.Encoding.UTF8.GetBytes(
            $"{{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{{\"name\":\"n-1\",\"resourceVersion\":\"42\"}},\"data\":{{\"ts\":\"7\",\"payload\":\"{new string('x', 700)}\"}}}}");
        if (!ApiClient.ConfigMap("n-1", "42", "7").AsSpan().SequenceEqual(expected)) throw new InvalidOperationException("ConfigMap body differs");
        using var directory = new BenchDirectory();
        await using var server = await InProcessServer.StartAsync(directory.File("server"), directory.File("soak.db"));
        await ApiWriteBenchmark.RunWritersAsync(server, ApiWriteBenchmark.Creators, ApiWriteBenchmark.CreatorConnections,
            TimeSpan.FromSeconds(8), update: false, "warm");
        Console.WriteLine($"measuring (pid {Environment.ProcessId})");
        var cpus = new List<double>();
        for (var slice = 0; slice * 5 < duration.TotalSeconds; slice++)
        {
            var before = server.CommitStats();
            var (gc0, gc1, gc2, allocated) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
            var r = await ApiWriteBenchmark.RunWritersAsync(server, ApiWriteBenchmark.Creators, ApiWriteBenchmark.CreatorConnections,
                TimeSpan.FromSeconds(5), update: false, $"s{slice}");
            cpus.Add(r.CpuMicros);
            var after = server.CommitStats();
            var perBatch = (after!.Value.Revision - before!.Value.Revision) / (double)Math.Max(1, after.Value.Batches - before.Value.Batches);
            var creates = Math.Max(1, r.Requests);
            Console.WriteLine($"  slice {slice + 1}: {r.PerSecond,7:N0} creates/s, {r.CpuMicros:0} µs CPU per create (client+server), {perBatch:0.0} writes per SQLite commit, " +
                $"{(GC.GetTotalAllocatedBytes() - allocated) / 1024.0 / creates:0.0} KiB allocated per create, GCs per 1000 creates: " +
                $"{1000.0 * (GC.CollectionCount(0) - gc0) / creates:0.0}/{1000.0 * (GC.CollectionCount(1) - gc1) / creates:0.0}/{1000.0 * (GC.CollectionCount(2) - gc2) / creates:0.00}");
        }
        // The same creators from a child process: what the server alone costs (its allocations are this process's).
        var serverAllocated = GC.GetTotalAllocatedBytes();
        var split = await LoadClientProcess.RunAsync(server, ApiWriteBenchmark.Creators, ApiWriteBenchmark.CreatorConnections, TimeSpan.FromSeconds(5), "split");
        Console.WriteLine($"  creators in a child process: {split.Client.PerSecond:N0} creates/s; server {split.ServerCpuMicrosPerRequest:0} µs CPU and " +
            $"{(GC.GetTotalAllocatedBytes() - serverAllocated) / 1024.0 / Math.Max(1, split.Requests + 2 * split.Client.PerSecond):0.0} KiB allocated per create (incl. the child's warm-up); client {split.Client.CpuMicros:0} µs CPU");
        Console.WriteLine($"api-soak: median {Stats.Median(cpus):0} µs CPU per create");
        return [];
    }
}
