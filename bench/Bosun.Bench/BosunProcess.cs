using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Bosun.Testing;

namespace Bosun.Bench;

/// <summary>
/// The real Release <c>bosun</c> binary as a child process (<see cref="BosunExecutable"/>: the native build that
/// <c>bench/run</c> publishes), its output kept for errors, stopped with SIGTERM (then killed) by its own PID.
/// <c>BOSUN_BENCH_ENV="K=V;K=V"</c> adds environment variables to every child, to try runtime knobs (<c>DOTNET_…</c>)
/// without a rebuild.
/// </summary>
internal sealed class BosunProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private BosunProcess(Process process) => this.process = process;

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public string Output { get { lock (output) return output.ToString(); } }

    public static BosunProcess Start(IEnumerable<string> args)
    {
        var info = BosunExecutable.StartInfo(args);
        AddBenchEnvironment(info);
        var child = new BosunProcess(Process.Start(info) ?? throw new InvalidOperationException("cannot start bosun"));
        child.process.OutputDataReceived += (_, e) => child.Append(e.Data);
        child.process.ErrorDataReceived += (_, e) => child.Append(e.Data);
        child.process.BeginOutputReadLine();
        child.process.BeginErrorReadLine();
        return child;
    }

    /// <summary>SIGTERM, as a service manager would stop it; killed when it has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (process.HasExited) return;
        _ = Kill(process.Id, 15);
        using var timeout = new CancellationTokenSource(grace);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(30));
        if (Environment.GetEnvironmentVariable("BOSUN_BENCH_LOGS") is { Length: > 0 } logs)
            await File.WriteAllTextAsync(Path.Combine(logs, $"bosun-{process.Id}.log"), Output);
        process.Dispose();
    }

    /// <summary>Adds <c>BOSUN_BENCH_ENV</c>'s variables to a child's environment.</summary>
    public static void AddBenchEnvironment(ProcessStartInfo info)
    {
        foreach (var pair in (Environment.GetEnvironmentVariable("BOSUN_BENCH_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            if (eq > 0) info.Environment[pair[..eq]] = pair[(eq + 1)..];
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private void Append(string? line)
    {
        if (line is null) return;
        lock (output)
        {
            if (output.Length > 400_000) output.Remove(0, 200_000);   // keep the tail: the end says why it stopped
            output.AppendLine(line);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
