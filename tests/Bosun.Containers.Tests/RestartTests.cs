using Bosun.Agent;
using Bosun.Agent.Runtime;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Containers.Tests;

/// <summary>A fixture of its own, since it restarts containerd.</summary>
[Trait("Category", "Containers")]
public sealed class RestartTests
{
    [Fact]
    public async Task StartAsync_ConfigChanged_RestartsContainerdByPid_AndRunningPodsKeepServing()
    {
        await using var containerd = await ContainerdFixture.StartAsync();
        var (podId, ids) = await Pods.RunAsync(containerd.Cri, Pods.Sandbox(containerd, "keeps-serving"), Pods.Container("myapp", TestImages.MyAppV1));
        var ip = await Pods.IpAsync(containerd.Cri, podId);
        var oldPid = containerd.Pid;

        // A different sandbox image changes config.toml: the supervisor must restart containerd instead of adopting it.
        var changed = new ContainerdSupervisor(new ContainerdOptions
        {
            Paths = new AgentPaths(containerd.DataDir),
            SkipDependencyCheck = true,
            SandboxImage = "localhost/bosun/pause:other",
        }, NullLogger.Instance);
        var endpoint = await changed.StartAsync(CancellationToken.None);

        Assert.False(endpoint.Adopted);
        Assert.NotEqual(oldPid, endpoint.Pid);
        Assert.False(ProcessInfo.IsAlive(oldPid));
        var status = await containerd.Cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = ids[0] });
        Assert.Equal(ContainerState.ContainerRunning, status.Status.State);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string? page = null;
        await Pods.EventuallyAsync(async () =>
        {
            try { page = await http.GetStringAsync($"http://{ip}/"); return true; }
            catch (HttpRequestException) { return false; }
        }, TimeSpan.FromSeconds(20), $"httpd on {ip}");
        Assert.Equal(TestImages.MyAppIndex("v1"), page);
    }
}
