using System.Diagnostics;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>
/// Runs the real kubectl (<c>/usr/bin/kubectl</c>, or <c>KUBECTL</c>) against one kubeconfig with an isolated
/// <c>HOME</c> and <c>--cache-dir</c>, so nothing leaks in from or out to the user's ~/.kube.
/// </summary>
internal sealed class Kubectl(string kubeconfig, string home, string? executable = null, IReadOnlyDictionary<string, string>? environment = null)
{
    public static readonly string Executable = Environment.GetEnvironmentVariable("KUBECTL") is { Length: > 0 } k ? k : "/usr/bin/kubectl";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public string KubeconfigPath => kubeconfig;

    /// <summary>The same home and cache, another kubeconfig (another user, or a restarted server's).</summary>
    public Kubectl WithKubeconfig(string path) => new(path, home, executable, environment);

    /// <summary>Another kubectl binary (e.g. <c>kubectl.1.27</c> run directly, past the dispatcher) with its own home and cache.</summary>
    public Kubectl WithExecutable(string path, string otherHome) => new(kubeconfig, otherHome, path, environment);

    /// <summary>The same kubectl with extra environment variables (e.g. <c>EDITOR</c> for <c>kubectl edit</c>).</summary>
    public Kubectl WithEnvironment(IReadOnlyDictionary<string, string> extra) => new(kubeconfig, home, executable, extra);

    /// <summary>The folder holding <c>kubectl.1.27</c> … <c>kubectl.1.33</c>: where <c>/usr/bin/kubectl</c> really lives.</summary>
    public static string VersionedDirectory =>
        System.IO.Path.GetDirectoryName(new FileInfo(Executable).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Executable)!;

    public Task<KubectlResult> RunAsync(params string[] args) => RunAsync(args, stdin: null, DefaultTimeout);

    /// <summary>Runs kubectl with <paramref name="stdin"/> as its input, for <c>-f -</c>.</summary>
    public Task<KubectlResult> RunWithInputAsync(string stdin, params string[] args) => RunAsync(args, stdin, DefaultTimeout);

    public async Task<KubectlResult> RunAsync(string[] args, string? stdin, TimeSpan timeout)
    {
        using var process = new Process { StartInfo = StartInfo(args, redirectInput: stdin is not null) };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"kubectl {string.Join(' ', args)} did not finish within {timeout.TotalSeconds}s");
        }
        return new KubectlResult($"kubectl {string.Join(' ', args)}", process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (a watch) whose output is collected line by line.</summary>
    public KubectlStream Start(params string[] args)
    {
        var process = new Process { StartInfo = StartInfo(args, redirectInput: false) };
        return KubectlStream.Start(process, $"kubectl {string.Join(' ', args)}");
    }

    private ProcessStartInfo StartInfo(string[] args, bool redirectInput)
    {
        var psi = new ProcessStartInfo(executable ?? Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        psi.Environment["HOME"] = home;
        psi.Environment.Remove("KUBECONFIG");
        if (environment is not null)
            foreach (var (key, value) in environment) psi.Environment[key] = value;
        psi.ArgumentList.Add($"--kubeconfig={kubeconfig}");
        psi.ArgumentList.Add($"--cache-dir={Path.Combine(home, "cache")}");
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        return psi;
    }
}
