using System.Diagnostics;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>The official Kubernetes Python client (Debian's python3-kubernetes) drives the server: tests/python/client_smoke.py.</summary>
[Trait("Category", "E2E")]
public sealed class PythonClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) psi.ArgumentList.Add(arg);
        psi.Environment.Remove("KUBECONFIG");
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Python} {string.Join(' ', args)} did not finish within {Timeout.TotalSeconds}s\nstdout:\n{await stdout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task ClientSmoke_AgainstServer_AllChecksPass()
    {
        var probe = await RunAsync("-c", "import kubernetes");
        Assert.True(probe.ExitCode == 0,
            $"{Python} cannot import the kubernetes client: install the Debian package python3-kubernetes (.ci/run installs it).\n{probe.Stderr}");
        var script = Path.Combine(RepoRoot.Path, "tests", "python", "client_smoke.py");
        Assert.True(File.Exists(script), $"{script} is missing");

        var (exitCode, stdout, stderr) = await RunAsync(script, fixture.Server.KubeconfigPath, "py-smoke");

        Assert.True(exitCode == 0, $"client_smoke.py exited {exitCode}\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log tail:\n{Tail(fixture.Server.Log)}");
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("all checks passed", lines[^1]);
        Assert.Contains("ok: server reports minor version 32", lines);
        Assert.Contains("ok: the label change arrives as a MODIFIED event", lines);
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(40));
}
