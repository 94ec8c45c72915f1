using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Bosun.Testing;

namespace Bosun.Bench;

/// <summary>
/// Target 4: starts the real Release binary (<c>bosun server … --disable-agent</c>) on a fresh data dir, times
/// process start → first 200 from <c>/readyz</c> (polled every 10 ms), then reads VmRSS after a few idle seconds. One more
/// run reads it after a minute too: an idle server still allocates (leases, resyncs), and the GC's first-generation budget
/// lets that grow the resident set for a while, so the early figure alone flatters it.
/// </summary>
internal static class ServerProcessBenchmark
{
    private const int Runs = 5;
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SteadyIdle = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan _)
    {
        var command = BosunExecutable.CommandLine;
        var ready = new List<double>();
        var memory = new List<ProcessFootprint>();
        for (var run = 0; run < Runs; run++)
        {
            var (r, m, _) = await MeasureOnceAsync(command, null);
            ready.Add(r);
            memory.Add(m);
            Console.WriteLine($"  run {run + 1}: start → /readyz 200 {r,7:N0} ms   idle {m}");
        }
        var (_, early, steady) = await MeasureOnceAsync(command, SteadyIdle);
        Console.WriteLine($"  long run: {Idle.TotalSeconds:0} s idle {early}; {SteadyIdle.TotalSeconds:0} s idle {steady}");
        var readyMs = Stats.Median(ready);
        var rssMb = Stats.Median(memory.Select(m => m.RssMb));
        var parts = $"anonymous {Stats.Median(memory.Select(x => x.AnonMb)):0.0}, JIT code {Stats.Median(memory.Select(x => x.JitMb)):0.0}, " +
            $"native libs {Stats.Median(memory.Select(x => x.NativeLibMb)):0.0}, assemblies {Stats.Median(memory.Select(x => x.AssemblyMb)):0.0} MB, " +
            $"{Stats.Median(memory.Select(x => (double)x.Threads)):0} threads";
        Console.WriteLine($"server: medians of {Runs} runs: ready {readyMs:N0} ms, idle RSS {rssMb:0.0} MB ({string.Join(' ', command)})");
        return
        [
            new("4a. idle `bosun server` RSS", $"{rssMb:0.0} MB", "≤ 100 MB", rssMb <= 100, $"VmRSS {Idle.TotalSeconds:0} s after ready, fresh data dir; {parts}"),
            new("4b. `bosun server` start → /readyz ok", $"{readyMs:N0} ms", "≤ 2 s", readyMs <= 2000,
                $"process start to first 200, 10 ms polling, fresh data dir (PKI generated), warm build; min {ready.Min():N0} ms"),
            new("4c. idle `bosun server` RSS after a minute", $"{steady!.RssMb:0.0} MB", "≤ 100 MB", steady.RssMb <= 100,
                $"one run: VmRSS {SteadyIdle.TotalSeconds:0} s after ready ({early.RssMb:0.0} MB at {Idle.TotalSeconds:0} s); anonymous {steady.AnonMb:0.0} MB"),
        ];
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Ready time and the footprint <see cref="Idle"/> after ready, and also <paramref name="longer"/> after it when given.</summary>
    private static Task<(double ReadyMs, ProcessFootprint Memory, ProcessFootprint? Later)> MeasureOnceAsync(IReadOnlyList<string> command, TimeSpan? longer) =>
        WithReadyServerAsync(command, async (process, _, _, readyMs) =>
        {
            await Task.Delay(Idle);
            var early = ProcessFootprint.Read(process.Id);
            if (longer is null) return (readyMs, early, (ProcessFootprint?)null);
            await Task.Delay(longer.Value - Idle);
            return (readyMs, early, ProcessFootprint.Read(process.Id));
        });

    /// <summary>Starts <c>bosun server --disable-agent</c> with <paramref name="command"/> on a fresh data dir, waits for /readyz, runs <paramref name="measure"/> (process, data dir, port, ms to ready), then kills it.</summary>
    internal static async Task<T> WithReadyServerAsync<T>(IReadOnlyList<string> command, Func<Process, string, int, double, Task<T>> measure)
    {
        using var dataDir = new BenchDirectory();
        var port = FreePort();
        var info = BosunExecutable.StartInfo(command,
            ["server", "--data-dir", dataDir.Path, "--https-listen-port", port.ToString(), "--bind-address", "127.0.0.1", "--disable-agent"]);
        BosunProcess.AddBenchEnvironment(info);
        using var http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
            ConnectTimeout = TimeSpan.FromSeconds(1),
            UseProxy = false,
        }) { Timeout = TimeSpan.FromSeconds(2) };
        var url = $"https://127.0.0.1:{port}/readyz";

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start dotnet");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            double readyMs;
            while (true)
            {
                if (process.HasExited) throw new InvalidOperationException($"bosun server exited with {process.ExitCode}:\n{output}");
                if (clock.Elapsed > StartLimit) throw new TimeoutException($"bosun server not ready after {StartLimit}:\n{output}");
                try
                {
                    using var response = await http.GetAsync(url);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        readyMs = clock.Elapsed.TotalMilliseconds;
                        break;
                    }
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                await Task.Delay(10);
            }
            return await measure(process, dataDir.Path, port, readyMs);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();   // this process only, by its handle
                await process.WaitForExitAsync();
            }
        }
    }
}
