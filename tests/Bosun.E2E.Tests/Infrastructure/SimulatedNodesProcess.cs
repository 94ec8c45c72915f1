using System.Diagnostics;
using System.Text;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>
/// One <c>bosun simulate-nodes</c> child process against a server's kubeconfig; killed by its own PID only
/// (a SIGKILL stops its nodes' heartbeats at once, as if the machines died).
/// </summary>
internal sealed class SimulatedNodesProcess : IAsyncDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SimulatedNodesProcess(Process process) => _process = process;

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>Starts <c>bosun simulate-nodes --count <paramref name="count"/> --name-prefix <paramref name="namePrefix"/></c>.</summary>
    public static SimulatedNodesProcess Start(string kubeconfig, int count, string namePrefix, int heartbeatSeconds)
    {
        var psi = Bosun.Testing.BosunExecutable.StartInfo(
            "simulate-nodes", "--kubeconfig", kubeconfig, "--count", count.ToString(), "--name-prefix", namePrefix,
            "--heartbeat-seconds", heartbeatSeconds.ToString());
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var nodes = new SimulatedNodesProcess(process);
        process.OutputDataReceived += (_, e) => nodes.Append(e.Data);
        process.ErrorDataReceived += (_, e) => nodes.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return nodes;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    /// <summary>Sends SIGKILL to this process and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) Signals.Send(_process.Id, Signals.SigKill);
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"bosun simulate-nodes (pid {_process.Id}) did not exit within {ExitTimeout.TotalSeconds}s of SIGKILL:\n{Log}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) await KillAsync();
        }
        catch (InvalidOperationException) { /* never started */ }
        _process.Dispose();
    }
}
