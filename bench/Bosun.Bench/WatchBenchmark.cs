using System.Buffers.Text;
using System.Diagnostics;
using System.Net;

namespace Bosun.Bench;

/// <summary>
/// Target 3: <see cref="Watchers"/> watch streams (one HttpClient, i.e. one HTTP/2 connection, per watcher, as separate
/// clients would have) on <c>/api/v1/namespaces/bench/configmaps?watch=true&amp;resourceVersion=rv</c>; one writer
/// then creates <see cref="Events"/> ConfigMaps at <see cref="Rate"/>/s, each carrying its send timestamp. Latency per
/// (watcher, event) is receipt − send timestamp (and receipt − create ack). Every watcher must see every event exactly
/// once, as ADDED, in order.
/// </summary>
internal static class WatchBenchmark
{
    public const int Watchers = 1000;
    public const int Events = 200;
    public const double Rate = 25;
    private const int Rounds = 3;

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan _)
    {
        using var directory = new BenchDirectory();
        await using var server = await InProcessServer.StartAsync(directory.File("server"), directory.File("watch.db"));
        using (var admin = server.NewClient())
        {
            await ApiClient.EnsureNamespaceAsync(admin, "bench");
            // The root CA publisher adds kube-root-ca.crt to every new namespace a moment later; a watch that starts
            // before it would see that ConfigMap as well as the benchmark's own.
            for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(10); await Task.Delay(20))
            {
                using var found = await admin.GetAsync("/api/v1/namespaces/bench/configmaps/kube-root-ca.crt");
                if (found.IsSuccessStatusCode) break;
            }
        }

        var p50s = new List<double>();
        var p99s = new List<double>();
        var ackP99s = new List<double>();
        var cpus = new List<double>();
        var allOk = true;
        for (var round = 0; round < Rounds; round++)
        {
            var r = await RunRoundAsync(server, round);
            p50s.Add(r.P50);
            p99s.Add(r.P99);
            ackP99s.Add(r.AckP99);
            cpus.Add(r.CpuMicrosPerDelivery);
            allOk &= r.Complete;
            Console.WriteLine($"  round {round + 1}: {Watchers} watchers × {Events} events: p50 {r.P50,6:0.0} ms  p99 {r.P99,6:0.0} ms  max {r.Max,6:0.0} ms" +
                $"  (from ack: p99 {r.AckP99,6:0.0} ms)  CPU {r.CpuMicrosPerDelivery:0.0} µs/delivery (server+client)  reads/event {r.ReadsPerEvent:0.00}  connect {r.ConnectSeconds:0.0} s  complete+ordered: {(r.Complete ? "yes" : "NO — " + r.Problem)}");
        }
        var p99 = Stats.Median(p99s);
        Console.WriteLine($"watch: medians of {Rounds} rounds: p50 {Stats.Median(p50s):0.0} ms, p99 {p99:0.0} ms, all delivered exactly once in order: {allOk}");
        return
        [
            new($"3. watch delivery p99, {Watchers} watchers", $"{p99:0.0} ms (p50 {Stats.Median(p50s):0.0} ms)", "≤ 100 ms", p99 <= 100 && allOk,
                $"{Events} creates at {Rate:0}/s, one connection per watcher; latency from send timestamp (from ack: p99 {Stats.Median(ackP99s):0.0} ms); {Stats.Median(cpus):0} µs CPU per delivery; every event exactly once in order: {(allOk ? "yes" : "NO")}"),
        ];
    }

    private readonly record struct RoundResult(double P50, double P99, double Max, double AckP99, double ConnectSeconds, bool Complete, string Problem, double CpuMicrosPerDelivery, double ReadsPerEvent);

    private sealed class Watcher
    {
        public readonly int[] Index = new int[Events + 16];
        public readonly long[] Received = new long[Events + 16];
        public int Count;
        public long Reads;
        public string? Problem;
    }

    private static async Task<RoundResult> RunRoundAsync(InProcessServer server, int round)
    {
        using var writer = server.NewClient();
        var list = await ApiClient.SendAsync(writer, HttpMethod.Get, "/api/v1/namespaces/bench/configmaps?limit=1", null, HttpStatusCode.OK);
        var rv = ApiClient.ResourceVersion(list);
        var baseline = Bosun.ApiServer.Metrics.Watchers.Value;

        var watchers = new Watcher[Watchers];
        var clients = new HttpClient[Watchers];
        using var stop = new CancellationTokenSource();
        var readers = new Task[Watchers];
        var connect = Stopwatch.StartNew();
        using (var gate = new SemaphoreSlim(32))
        {
            var opening = new Task[Watchers];
            for (var i = 0; i < Watchers; i++)
            {
                var w = watchers[i] = new Watcher();
                var client = clients[i] = server.NewClient();
                var opened = new TaskCompletionSource();
                await gate.WaitAsync();
                readers[i] = Task.Run(() => WatchAsync(client, $"/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion={rv}", w, opened, stop.Token));
                opening[i] = opened.Task.ContinueWith(_ => gate.Release(), TaskScheduler.Default);
            }
            await Task.WhenAll(opening);
        }
        // Headers are sent just before the server subscribes: wait until every watcher is registered.
        while (Bosun.ApiServer.Metrics.Watchers.Value < baseline + Watchers && connect.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(10);
        var connectSeconds = connect.Elapsed.TotalSeconds;
        await Task.Delay(500);   // let connection set-up work settle

        var sent = new long[Events];
        var acked = new long[Events];
        var interval = (long)(Stopwatch.Frequency / Rate);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var alloc0 = GC.GetTotalAllocatedBytes();
        var start = Stopwatch.GetTimestamp();
        for (var e = 0; e < Events; e++)
        {
            var due = start + e * interval;
            while (Stopwatch.GetTimestamp() < due) await Task.Delay(1);
            sent[e] = Stopwatch.GetTimestamp();
            await ApiClient.SendAsync(writer, HttpMethod.Post, "/api/v1/namespaces/bench/configmaps",
                ApiClient.ConfigMap($"w{round}-{e:D5}", ts: sent[e].ToString()), HttpStatusCode.Created);
            acked[e] = Stopwatch.GetTimestamp();
        }
        var drain = Stopwatch.StartNew();
        while (watchers.Any(w => Volatile.Read(ref w.Count) < Events && w.Problem is null) && drain.Elapsed < TimeSpan.FromSeconds(30))
            await Task.Delay(20);
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds;
        var allocated = GC.GetTotalAllocatedBytes() - alloc0;
        await Task.Delay(200);   // catch duplicates that would arrive late
        await stop.CancelAsync();
        await Task.WhenAll(readers).ContinueWith(_ => { }, TaskScheduler.Default);
        foreach (var c in clients) c.Dispose();

        string? problem = null;
        var fromSend = new List<double>(Watchers * Events);
        var fromAck = new List<double>(Watchers * Events);
        foreach (var w in watchers)
        {
            if (w.Problem is not null) { problem ??= w.Problem; continue; }
            if (w.Count != Events) { problem ??= $"a watcher got {w.Count} events, expected {Events}"; continue; }
            for (var k = 0; k < Events; k++)
            {
                if (w.Index[k] != k) { problem ??= $"event {k} out of order (got {w.Index[k]})"; break; }
                fromSend.Add(Stats.Ms(w.Received[k] - sent[k]));
                fromAck.Add(Math.Max(0, Stats.Ms(w.Received[k] - acked[k])));
            }
        }
        var deliveries = watchers.Sum(w => (long)w.Count);
        var cpuPerDelivery = cpu / Math.Max(1, deliveries);
        var readsPerEvent = watchers.Sum(w => (double)w.Reads) / Math.Max(1, deliveries);
        if (Stats.Verbose) Console.WriteLine($"    allocated {allocated / (double)Math.Max(1, deliveries):0} B per delivery (server+client)");
        var s = fromSend.Order().ToArray();
        var a = fromAck.Order().ToArray();
        return new RoundResult(Stats.Percentile(s, 0.5), Stats.Percentile(s, 0.99), s.Length > 0 ? s[^1] : double.NaN,
            Stats.Percentile(a, 0.99), connectSeconds, problem is null, problem ?? "", cpuPerDelivery, readsPerEvent);
    }

    /// <summary>Reads one watch stream: each line's object name gives the event index; the receipt time is taken per read.</summary>
    private static async Task WatchAsync(HttpClient client, string path, Watcher w, TaskCompletionSource opened, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            opened.TrySetResult();
            if (response.StatusCode != HttpStatusCode.OK) { w.Problem = $"watch answered {(int)response.StatusCode}"; return; }
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[256 * 1024];
            var filled = 0;
            while (true)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(filled), ct);
                if (n == 0) { w.Problem ??= w.Count < Events ? "stream ended early" : null; return; }
                var now = Stopwatch.GetTimestamp();
                w.Reads++;
                filled += n;
                var consumed = 0;
                int nl;
                while ((nl = buffer.AsSpan(consumed, filled - consumed).IndexOf((byte)'\n')) >= 0)
                {
                    Line(w, buffer.AsSpan(consumed, nl), now);
                    consumed += nl + 1;
                }
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                if (filled == buffer.Length) { w.Problem = "line longer than buffer"; return; }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e) { w.Problem ??= e.Message; }
        finally { opened.TrySetResult(); }
    }

    private static void Line(Watcher w, ReadOnlySpan<byte> line, long now)
    {
        if (!line.StartsWith("{\"type\":\"ADDED\""u8)) { w.Problem ??= $"unexpected event {System.Text.Encoding.UTF8.GetString(line[..Math.Min(60, line.Length)])}"; return; }
        var marker = "\"name\":\"w"u8;
        var at = line.IndexOf(marker);
        var rest = line[(at + marker.Length)..];
        rest = rest[(rest.IndexOf((byte)'-') + 1)..];
        if (at < 0 || !Utf8Parser.TryParse(rest, out int index, out _)) { w.Problem ??= "event without a bench name"; return; }
        if (w.Count >= w.Index.Length) { w.Problem ??= "too many events"; return; }
        w.Index[w.Count] = index;
        w.Received[w.Count] = now;
        Volatile.Write(ref w.Count, w.Count + 1);
    }
}
