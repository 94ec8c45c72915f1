using Bosun.Client.Processes;

namespace Bosun.Proxy.Iptables;

/// <summary>
/// Runs the iptables tools as child processes, in the agent's network namespace or, for tests and nodes in a
/// namespace, through <c>ip netns exec NAME</c>. Input goes through stdin, so no temp files.
/// </summary>
public sealed class IptablesExecutor(string? networkNamespace = null) : IIptables
{
    public async Task RestoreAsync(string input, CancellationToken ct)
    {
        var (code, _, err) = await ExecAsync("iptables-restore", ["--noflush", "-w", "5"], input, ct);
        if (code != 0) throw new IptablesException($"iptables-restore failed ({code}): {err.Trim()}", input);
    }

    public async Task<string> SaveAsync(CancellationToken ct)
    {
        var (code, output, err) = await ExecAsync("iptables-save", [], null, ct);
        if (code != 0) throw new IptablesException($"iptables-save failed ({code}): {err.Trim()}", null);
        return output;
    }

    public async Task SetSysctlAsync(string name, string value, CancellationToken ct)
    {
        var (code, _, err) = await ExecAsync("sysctl", ["-q", "-w", $"{name}={value}"], null, ct);
        if (code != 0) throw new IptablesException($"sysctl {name}={value} failed: {err.Trim()}", null);
    }

    private async Task<(int Code, string Output, string Error)> ExecAsync(string tool, IReadOnlyList<string> args, string? stdin, CancellationToken ct)
    {
        var run = networkNamespace is null ? new ProcessRun(tool, args) : new ProcessRun("ip", ["netns", "exec", networkNamespace, tool, .. args]);
        try
        {
            var r = await ProcessRunner.RunAsync(run with { Stdin = stdin }, ct);
            return (r.ExitCode, r.Stdout, r.Stderr);
        }
        catch (ProcessRunException e)
        {
            throw new IptablesException(e.Message, null);   // not started (or timed out): no input was judged
        }
    }
}

/// <summary>An iptables tool failed; <see cref="Input"/> is the restore input that was rejected, if any.</summary>
public sealed class IptablesException(string message, string? input) : Exception(message)
{
    public string? Input { get; } = input;
}
