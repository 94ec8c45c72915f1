using System.Diagnostics;

namespace Bosun.Containers.Tests.Streaming;

internal sealed record KubectlOutcome(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}

/// <summary>
/// Runs a real kubectl binary directly (past the dispatcher: 1.32 speaks WebSocket, 1.29 SPDY) with an isolated HOME.
/// </summary>
internal sealed class KubectlRunner(string binary, string kubeconfig, string home, IReadOnlyDictionary<string, string>? env = null)
{
    public const string Directory = "/usr/lib/google-cloud-sdk/bin";
    public const string V132Name = "kubectl.1.32";
    public const string V129Name = "kubectl.1.29";
    public static readonly string V132 = Path.Combine(Directory, V132Name);
    public static readonly string V129 = Path.Combine(Directory, V129Name);

    public string Binary => binary;

    public KubectlRunner With(IReadOnlyDictionary<string, string> extra) => new(binary, kubeconfig, home, extra);

    public async Task<KubectlOutcome> RunAsync(string[] args, string? stdin = null, TimeSpan? timeout = null)
    {
        using var p = Process.Start(StartInfo(args, stdin is not null))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();   // EOF: `echo hi | kubectl exec -i … cat` must then finish
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish; stdout so far: {(stdout.IsCompleted ? stdout.Result : "")}");
        }
        return new KubectlOutcome(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (port-forward); the caller kills it (by this process's id) when done.</summary>
    public Process Start(string[] args) => Process.Start(StartInfo(args, redirectInput: false))!;

    private ProcessStartInfo StartInfo(string[] args, bool redirectInput)
    {
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(kubeconfig);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(Path.Combine(home, "cache"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["HOME"] = home;
        start.Environment.Remove("KUBECONFIG");
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) start.Environment[k] = v;
        return start;
    }
}
