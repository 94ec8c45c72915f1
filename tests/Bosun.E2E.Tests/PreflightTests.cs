using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>The preflight phase of the built binary: a port the test holds is reported as kubeadm reports it, before anything starts.</summary>
[Trait("Category", "E2E")]
public sealed class PreflightTests : IDisposable
{
    private readonly TempDirectory _temp = new("bosun-e2e-preflight");
    private readonly TcpListener _taken = new(IPAddress.Loopback, 0);

    public PreflightTests() => _taken.Start();

    private int TakenPort => ((IPEndPoint)_taken.LocalEndpoint).Port;

    private Task<(int ExitCode, string Output)> ServerAsync(params string[] extra) =>
        BosunBinary.RunAsync(["server", "--data-dir", _temp.Combine("data"), "--https-listen-port", TakenPort.ToString(), "--bind-address", "127.0.0.1", "--disable-agent", .. extra]);

    [Fact]
    public async Task Server_ApiPortInUse_FailsPreflightLikeKubeadmAndExitsOneBeforeOpeningTheDatastore()
    {
        var stopwatch = Stopwatch.StartNew();
        var (code, output) = await ServerAsync();

        Assert.True(code == 1, output);
        Assert.Contains("[preflight] Running pre-flight checks", output, StringComparison.Ordinal);
        Assert.Contains($"error execution phase preflight: [preflight] Some fatal errors occurred:\n\t[ERROR Port-{TakenPort}]: Port {TakenPort} is in use\n", output, StringComparison.Ordinal);
        Assert.Contains("--ignore-preflight-errors=...", output, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("data", "server", "db", "state.db")), "the datastore was opened before preflight");
        // Startup of the dotnet host included; the checks themselves take milliseconds.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
    }

    [Fact]
    public async Task Server_IgnoredPortError_IsOnlyAWarningAndTheApiServerItselfThenFailsToBind()
    {
        var (code, output) = await ServerAsync("--ignore-preflight-errors", $"Swap,Port-{TakenPort}");

        Assert.Contains($"[WARNING Port-{TakenPort}]: Port {TakenPort} is in use", output, StringComparison.Ordinal);
        Assert.DoesNotContain("error execution phase preflight", output, StringComparison.Ordinal);
        // Past preflight the datastore opens; the listener then cannot bind the taken port.
        Assert.True(File.Exists(_temp.Combine("data", "server", "db", "state.db")), output);
        Assert.True(code == 1, output);
    }

    [Fact]
    public async Task Agent_KubeletPortInUse_FailsPreflightBeforeJoining()
    {
        // The server URL is unreachable: an exit from preflight shows it ran before the join.
        var (code, output) = await BosunBinary.RunAsync("agent", "--server", "https://127.0.0.1:1", "--token", "abcdef.0123456789abcdef",
            "--data-dir", _temp.Combine("agent"), "--kubelet-port", TakenPort.ToString(),
            "--disable-kube-proxy", "--disable-cluster-dns", "--flannel-backend", "none", "--no-install");

        Assert.True(code == 1, output);
        Assert.Contains($"\t[ERROR Port-{TakenPort}]: Port {TakenPort} is in use\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1:1", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _taken.Stop();
        _temp.Dispose();
    }
}
