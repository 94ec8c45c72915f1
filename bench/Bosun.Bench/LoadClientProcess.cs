using System.Diagnostics;
using System.Globalization;

namespace Bosun.Bench;

/// <summary>
/// Runs the creators of target 1 in a child process, so the API server's CPU per create can be measured alone (the
/// parent process then holds only the server) and the client's cost is reported separately. Protocol over the
/// child's stdin/stdout: the child warms up, opens its connections and prints <c>READY</c>; the parent notes its own
/// CPU time and answers <c>GO</c>; the child runs for the duration and prints one <c>RESULT</c> line.
/// </summary>
internal static class LoadClientProcess
{
    public const string Command = "load-client";

    internal readonly record struct Outcome(ApiWriteBenchmark.Result Client, double ServerCpuMicrosPerRequest, double Requests);

    /// <summary>Parent side: the creators against <paramref name="server"/> from a child process.</summary>
    public static async Task<Outcome> RunAsync(InProcessServer server, int writers, int connections, TimeSpan duration, string prefix)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { typeof(LoadClientProcess).Assembly.Location, Command, server.Url.ToString(), writers.ToString(CultureInfo.InvariantCulture),
            connections.ToString(CultureInfo.InvariantCulture), duration.TotalSeconds.ToString(CultureInfo.InvariantCulture), prefix })
            start.ArgumentList.Add(a);
        start.Environment["BOSUN_BENCH_TOKEN"] = server.Token;   // not on the command line, where ps shows it
        using var child = Process.Start(start) ?? throw new InvalidOperationException("cannot start the load client");
        try
        {
            await ExpectAsync(child, "READY");
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            await child.StandardInput.WriteLineAsync("GO");
            await child.StandardInput.FlushAsync();
            var line = await ExpectAsync(child, "RESULT");
            var serverCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds;
            var f = line.Split(' ').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            var result = new ApiWriteBenchmark.Result(f[0], f[1], f[2], f[3]);
            var requests = f[4];
            await child.WaitForExitAsync();
            return new Outcome(result, serverCpu / Math.Max(1, requests), requests);
        }
        finally
        {
            if (!child.HasExited) child.Kill();
        }
    }

    private static async Task<string> ExpectAsync(Process child, string prefix)
    {
        while (await child.StandardOutput.ReadLineAsync() is { } line)
            if (line.StartsWith(prefix, StringComparison.Ordinal)) return line;
        throw new InvalidOperationException($"the load client exited (code {(child.WaitForExit(5000) ? child.ExitCode : -1)}) before {prefix}");
    }

    /// <summary>Child side: <c>load-client &lt;url&gt; &lt;writers&gt; &lt;connections&gt; &lt;seconds&gt; &lt;prefix&gt;</c>, token in BOSUN_BENCH_TOKEN.</summary>
    public static async Task<int> ChildAsync(string[] args)
    {
        var url = new Uri(args[1]);
        var writers = int.Parse(args[2], CultureInfo.InvariantCulture);
        var connections = int.Parse(args[3], CultureInfo.InvariantCulture);
        var duration = TimeSpan.FromSeconds(double.Parse(args[4], CultureInfo.InvariantCulture));
        var prefix = args[5];
        var token = Environment.GetEnvironmentVariable("BOSUN_BENCH_TOKEN") ?? throw new InvalidOperationException("BOSUN_BENCH_TOKEN is not set");
        // Warm this process's JIT and connection code on the same server first (not measured).
        await ApiWriteBenchmark.RunWritersAsync(url, token, writers, connections, TimeSpan.FromSeconds(2), update: false, $"{prefix}-warm");
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var result = await ApiWriteBenchmark.RunWritersAsync(url, token, writers, connections, duration, update: false, prefix, async () =>
        {
            Console.WriteLine("READY");
            if (await Console.In.ReadLineAsync() != "GO") throw new InvalidOperationException("expected GO");
            before = Process.GetCurrentProcess().TotalProcessorTime;
        });
        var requests = result.PerSecond * duration.TotalSeconds;
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMicroseconds / Math.Max(1, requests);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {result.PerSecond} {result.P50} {result.P99} {clientCpu} {requests}"));
        return 0;
    }
}
