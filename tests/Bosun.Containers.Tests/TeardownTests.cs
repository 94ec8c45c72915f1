using System.Net;
using System.Net.Sockets;
using Bosun.Cri.V1;
using Bosun.Testing.Containers;

namespace Bosun.Containers.Tests;

/// <summary>A fixture of its own: the host must look as before once it is disposed, even after a hostPort pod.</summary>
[Trait("Category", "Containers")]
public sealed class TeardownTests
{
    [Fact]
    public async Task Dispose_AfterPodsWithAHostPort_LeavesNoLinkRuleProcessCgroupOrMountOfOurs()
    {
        var before = HostSnapshot.Take();
        var containerd = await ContainerdFixture.StartAsync();
        string bridge = containerd.Bridge, socket = containerd.Socket;
        var pid = containerd.Pid;
        try
        {
            var hostPort = FreePort();
            var sandbox = Pods.Sandbox(containerd, "hostport", new PortMapping { Protocol = Protocol.Tcp, ContainerPort = 80, HostPort = hostPort, HostIp = "127.0.0.1" });
            await Pods.RunAsync(containerd.Cri, sandbox, Pods.Container("myapp", TestImages.MyAppV2));
            await Pods.RunAsync(containerd.Cri, Pods.Sandbox(containerd, "plain"), Pods.Container("sleeper", TestImages.Busybox, "sleep", "3600"));

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            string? page = null;
            await Pods.EventuallyAsync(async () =>
            {
                try { page = await http.GetStringAsync($"http://127.0.0.1:{hostPort}/"); return true; }
                catch (HttpRequestException) { return false; }
            }, TimeSpan.FromSeconds(20), $"hostPort {hostPort}");
            Assert.Equal(TestImages.MyAppIndex("v2"), page);
            Assert.Contains(bridge, HostCommand.Run("ip", "-o", "link", "show").Output);
            Assert.Contains("CNI-HOSTPORT-DNAT", HostCommand.Run("iptables-save", "-t", "nat").Output);
        }
        finally
        {
            await containerd.DisposeAsync();   // the pods are still running: teardown must remove them
        }

        Assert.Empty(containerd.Leftovers);
        var after = HostSnapshot.Take();
        Assert.DoesNotContain(after.Links, l => l.StartsWith(bridge + " ", StringComparison.Ordinal) || l.EndsWith(" " + bridge, StringComparison.Ordinal));
        Assert.DoesNotContain(after.IptablesLines.Except(before.IptablesLines), l => l.Contains(containerd.Subnet.BaseAddress.ToString()[..^1], StringComparison.Ordinal));
        Assert.False(Bosun.Agent.Runtime.ProcessInfo.IsAlive(pid));
        Assert.Empty(Bosun.Agent.Runtime.ProcessInfo.Find(socket));
        Assert.False(Directory.Exists(containerd.DataDir));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
