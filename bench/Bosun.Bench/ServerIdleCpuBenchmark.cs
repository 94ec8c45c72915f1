using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Bosun.Testing;

namespace Bosun.Bench;

/// <summary>
/// An idle <c>bosun server --disable-agent</c> (fresh data dir, nothing created): CPU time (utime+stime) and storage
/// reads (gets and lists, from the server's own <c>/metrics</c>) over a window that starts 10 s after /readyz. With
/// <c>BOSUN_BENCH_BASELINE=/path/to/other/bosun</c> (or a <c>bosun.dll</c>) the two builds alternate in each round, so the comparison
/// is a same-run one on a shared machine.
/// </summary>
internal static partial class ServerIdleCpuBenchmark
{
    private const int Rounds = 3;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan window)
    {
        if (window < TimeSpan.FromSeconds(10)) window = TimeSpan.FromSeconds(60);   // bench/run's default 3 s is too short to see a poll
        var builds = new List<(string Name, IReadOnlyList<string> Command)> { ("this build", BosunExecutable.CommandLine) };
        if (Environment.GetEnvironmentVariable("BOSUN_BENCH_BASELINE") is { Length: > 0 } baseline) builds.Insert(0, ("baseline", BosunExecutable.CommandLineFor(baseline)));
        var results = builds.ToDictionary(b => b.Name, _ => new List<(double CpuPercent, double ReadsPerMinute)>());
        for (var round = 0; round < Rounds; round++)
            foreach (var (name, command) in builds)
            {
                var r = await ServerProcessBenchmark.WithReadyServerAsync(command, (p, dir, port, _) => MeasureAsync(p, dir, port, window));
                results[name].Add(r);
                Console.WriteLine($"  round {round + 1} {name,-10}: CPU {r.CpuPercent,5:0.00} % of a core, storage reads {r.ReadsPerMinute,6:0.0}/min " +
                    $"(load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
            }
        return builds.Select(b => new SummaryRow($"idle `bosun server` CPU, {b.Name}",
            $"{Stats.Median(results[b.Name].Select(r => r.CpuPercent)):0.00} %", "—", true,
            $"median of {Rounds}, {window.TotalSeconds:0} s window from {Settle.TotalSeconds:0} s after ready; storage reads " +
            $"{Stats.Median(results[b.Name].Select(r => r.ReadsPerMinute)):0.0}/min; {string.Join(' ', b.Command)}")).ToList();
    }

    private static async Task<(double CpuPercent, double ReadsPerMinute)> MeasureAsync(Process process, string dataDir, int port, TimeSpan window)
    {
        var token = File.ReadAllText(Path.Combine(dataDir, "server", "token")).Split(',')[0];
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true }, UseProxy = false })
        {
            BaseAddress = new Uri($"https://127.0.0.1:{port}"),
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
        };
        await Task.Delay(Settle);
        var readsBefore = await StorageReadsAsync(http);
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var elapsed = clock.Elapsed;
        // The /metrics request itself reads nothing from storage.
        var reads = await StorageReadsAsync(http) - readsBefore;
        return (cpu / elapsed * 100, reads / elapsed.TotalMinutes);
    }

    private static async Task<double> StorageReadsAsync(HttpClient http)
    {
        var text = await http.GetStringAsync("/metrics");
        return ReadCount().Matches(text).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex("""^bosun_storage_operation_duration_seconds_count\{operation="(?:get|list)"\} (\S+)$""", RegexOptions.Multiline)]
    private static partial Regex ReadCount();
}
