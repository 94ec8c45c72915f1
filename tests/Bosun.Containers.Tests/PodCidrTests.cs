using System.Net;
using Bosun.Testing.Containers;

namespace Bosun.Containers.Tests;

/// <summary>A fixture of its own, since it changes the node's network.</summary>
[Trait("Category", "Containers")]
public sealed class PodCidrTests
{
    [Fact]
    public async Task SetPodCidr_Changed_NextSandboxGetsAnAddressFromTheNewRangeWithoutRestartingContainerd()
    {
        await using var containerd = await ContainerdFixture.StartAsync();
        var pid = containerd.Pid;
        var (first, _) = await Pods.RunAsync(containerd.Cri, Pods.Sandbox(containerd, "before"));
        Assert.True(containerd.Subnet.Contains(IPAddress.Parse(await Pods.IpAsync(containerd.Cri, first))));
        await Pods.RemoveAsync(containerd.Cri, first);

        var next = ContainerdFixture.FreeSubnet();
        Assert.True(containerd.SetPodCidr(next));
        Assert.False(containerd.SetPodCidr(next));   // unchanged: not rewritten

        string? ip = null;
        // containerd reloads the conflist when it sees the file change (fsnotify), shortly after the write.
        await Pods.EventuallyAsync(async () =>
        {
            var (id, _) = await Pods.RunAsync(containerd.Cri, Pods.Sandbox(containerd, "after"));
            ip = await Pods.IpAsync(containerd.Cri, id);
            await Pods.RemoveAsync(containerd.Cri, id);
            return next.Contains(IPAddress.Parse(ip));
        }, TimeSpan.FromSeconds(10), $"a sandbox address in {next}");
        Assert.Equal(pid, containerd.Pid);
        Assert.True(Bosun.Agent.Runtime.ProcessInfo.IsAlive(pid));
    }
}
