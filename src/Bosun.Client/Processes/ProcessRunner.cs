using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Bosun.Client.Processes;

/// <summary>
/// Runs short external commands (ip, iptables, modprobe, ctr, etcdctl, apt-get) the one way: argument list, optional
/// stdin, timeout and cancellation that kill the whole process tree, stdout and stderr read concurrently with a size bound.
/// Long-running supervised processes (containerd) are not for this.
/// </summary>
public static class ProcessRunner
{
    public static Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> arguments, CancellationToken ct, string? stdin = null,
        TimeSpan? timeout = null) =>
        RunAsync(new ProcessRun(fileName, arguments) { Stdin = stdin, Timeout = timeout }, ct);

    /// <summary>For the few synchronous callers (startup checks); blocks the calling thread until the run ends.</summary>
    public static ProcessResult Run(ProcessRun run) => RunAsync(run, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// Runs to exit and returns the result whatever the exit code. Throws <see cref="ProcessRunException"/> when the program
    /// cannot be started or times out, <see cref="OperationCanceledException"/> when <paramref name="ct"/> is cancelled.
    /// </summary>
    public static async Task<ProcessResult> RunAsync(ProcessRun run, CancellationToken ct)
    {
        using var process = Start(run);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (run.Timeout is { } timeout) limit.CancelAfter(timeout);
        var stdout = run.InheritOutput ? Task.FromResult("") : ReadBoundedAsync(process.StandardOutput, run.MaxOutputChars);
        var stderr = run.InheritOutput ? Task.FromResult("") : ReadBoundedAsync(process.StandardError, run.MaxOutputChars);
        try
        {
            if (run.Stdin is not null) await WriteStdinAsync(process, run.Stdin, limit.Token);
            await process.WaitForExitAsync(limit.Token);
            // A background child that kept the pipes open holds the output's end back: the timeout covers that too.
            var output = await stdout.WaitAsync(limit.Token);
            return new ProcessResult(run.CommandLine, process.ExitCode, output, await stderr.WaitAsync(limit.Token));
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            await KillAsync(process);
            ct.ThrowIfCancellationRequested();
            throw new ProcessRunException($"{run.CommandLine} timed out after {run.Timeout!.Value.TotalSeconds:0.###} s");
        }
    }

    private static Process Start(ProcessRun run)
    {
        var start = new ProcessStartInfo(run.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = run.Stdin is not null,
            RedirectStandardOutput = !run.InheritOutput,
            RedirectStandardError = !run.InheritOutput,
        };
        foreach (var a in run.Arguments) start.ArgumentList.Add(a);
        foreach (var (name, value) in run.Environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        try
        {
            return Process.Start(start) ?? throw new ProcessRunException($"could not start {run.CommandLine}");
        }
        catch (Win32Exception e)
        {
            throw new ProcessRunException($"could not start {run.CommandLine}: {e.Message}", inner: e);
        }
    }

    private static async Task WriteStdinAsync(Process process, string stdin, CancellationToken ct)
    {
        try
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), ct);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The program exited without reading all of its input (a broken pipe): its exit code and stderr say why.
        }
    }

    /// <summary>Keeps the first <paramref name="max"/> chars and drains the rest.</summary>
    private static async Task<string> ReadBoundedAsync(StreamReader reader, int max)
    {
        var kept = new StringBuilder();
        var buffer = new char[8192];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
            kept.Append(buffer, 0, Math.Min(n, max - kept.Length));
        return kept.ToString();
    }

    private static async Task KillAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            return;   // it exited meanwhile
        }
        await process.WaitForExitAsync(CancellationToken.None);
    }
}
