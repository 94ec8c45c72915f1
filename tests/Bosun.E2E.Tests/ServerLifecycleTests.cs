using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>Stopping the server by signal and starting it again on the same data dir.</summary>
[Trait("Category", "E2E")]
public sealed class ServerLifecycleTests : IDisposable
{
    private readonly TempDirectory _temp = new("bosun-e2e-lifecycle");

    private string DataDir => _temp.Combine("data");

    private Kubectl KubectlFor(BosunProcess server) => new(server.KubeconfigPath, _temp.Combine("home"));

    [Fact]
    public async Task Sigterm_RunningServer_ExitsZeroAndRestartKeepsPodWithIncreasingResourceVersion()
    {
        long before;
        await using (var server = await BosunProcess.StartAsync(DataDir))
        {
            var kubectl = KubectlFor(server);
            (await kubectl.RunWithInputAsync(Manifests.PodDemo("default"), "create", "-f", "-")).Ok();
            before = await ResourceVersionAsync(kubectl, "pod", "pod-demo");

            var exitCode = await server.TerminateAsync();

            Assert.True(exitCode == 0, $"exit code {exitCode}; server log:\n{server.Log}");
            Assert.Contains("Stopping", server.Log);
        }

        await using (var restarted = await BosunProcess.StartAsync(DataDir))
        {
            var kubectl = KubectlFor(restarted);
            var get = (await kubectl.RunAsync("get", "pods", "-n", "default")).Ok();
            Assert.Matches(@"^pod-demo\s+0/2\s+Pending\s+", get.Lines[1]);
            // The scheduler may record PodScheduled=False after the restart, so the version can only have grown.
            var restartedVersion = await ResourceVersionAsync(kubectl, "pod", "pod-demo");
            Assert.True(restartedVersion >= before, $"resourceVersion went back from {before} to {restartedVersion}");

            (await kubectl.RunAsync("label", "pod", "pod-demo", "release=canary", "-n", "default")).Ok();

            var after = await ResourceVersionAsync(kubectl, "pod", "pod-demo");
            Assert.True(after > restartedVersion, $"resourceVersion went from {restartedVersion} to {after}");
        }
    }

    [Fact]
    public async Task Sigterm_WithOpenWatch_EndsWatchAndExitsZero()
    {
        await using var server = await BosunProcess.StartAsync(DataDir);
        var kubectl = KubectlFor(server);
        (await kubectl.RunWithInputAsync(Manifests.PodDemo("default"), "create", "-f", "-")).Ok();
        using var watch = kubectl.Start("get", "pods", "-n", "default", "-w");
        await watch.WaitForLineAsync(@"^pod-demo\s+0/2\s+Pending\s+", TimeSpan.FromSeconds(20));

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var exitCode = await server.TerminateAsync();

        // A watch must not hold shutdown up: the server ends it (clients re-watch) instead of being killed mid-stop.
        Assert.True(exitCode == 0, $"exit code {exitCode} after {stopwatch.ElapsedMilliseconds} ms; server log:\n{server.Log}");
        // Kestrel would otherwise wait out its 30 s drain timeout for the watch.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {stopwatch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Sigkill_AfterAcknowledgedWrites_RestartKeepsEveryObject()
    {
        const int count = 5;
        await using (var server = await BosunProcess.StartAsync(DataDir))
        {
            var kubectl = KubectlFor(server);
            for (var i = 0; i < count; i++)
                (await kubectl.RunWithInputAsync(Manifests.ConfigMap("default", $"acked-{i}", $"value-{i}"), "create", "-f", "-")).Ok();
            (await kubectl.RunWithInputAsync(Manifests.PodDemo("default"), "create", "-f", "-")).Ok();
            (await kubectl.RunAsync("label", "pod", "pod-demo", "release=stable", "-n", "default")).Ok();

            var exitCode = await server.KillAsync();

            Assert.Equal(137, exitCode);
        }

        await using (var restarted = await BosunProcess.StartAsync(DataDir))
        {
            var kubectl = KubectlFor(restarted);
            for (var i = 0; i < count; i++)
            {
                var value = (await kubectl.RunAsync("get", "configmap", $"acked-{i}", "-n", "default", "-o", "jsonpath={.data.key}")).Ok();
                Assert.Equal($"value-{i}", value.Stdout);
            }
            var pod = (await kubectl.RunAsync("get", "pods", "-n", "default", "-l", "release=stable")).Ok();
            Assert.Equal(["pod-demo"], pod.Names);
        }
    }

    private static async Task<long> ResourceVersionAsync(Kubectl kubectl, string kind, string name)
    {
        var result = (await kubectl.RunAsync("get", kind, name, "-n", "default", "-o", "jsonpath={.metadata.resourceVersion}")).Ok();
        return long.Parse(result.Stdout);
    }

    public void Dispose() => _temp.Dispose();
}
