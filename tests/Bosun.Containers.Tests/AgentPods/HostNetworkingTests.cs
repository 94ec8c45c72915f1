using System.Net;
using System.Net.Sockets;
using Bosun.Client;
using Bosun.Cri.V1;
using Bosun.Testing;
using Bosun.Testing.Containers;
using k8s.Models;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// hostPort (CNI portmap through the CRI sandbox's port mappings) and hostNetwork pods on the real runtime. The
/// hostPort test programs portmap's rules in the host's nat table: run it under <c>flock /tmp/bosun-hostnet.lock</c>.
/// </summary>
[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class HostNetworkingTests(AgentCluster fixture)
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);
    private ApiClient Api => fixture.Cluster.Api;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    private static int FreeLoopbackPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private async Task<string> ExecAsync(V1Pod pod, params string[] cmd)
    {
        var request = new ExecSyncRequest { ContainerId = pod.Status.ContainerStatuses[0].ContainerID["containerd://".Length..], Timeout = 10 };
        request.Cmd.AddRange(cmd);
        var r = await fixture.Containerd.Cri.Runtime.ExecSyncAsync(request);
        return r.Stdout.ToStringUtf8();
    }

    private static IEnumerable<string> NatRulesFor(int hostPort) =>
        HostCommand.Run("iptables", "-w", "-t", "nat", "-S").Output.Split('\n').Where(l => l.Contains($"--dport {hostPort} ", StringComparison.Ordinal) || l.EndsWith($"--dport {hostPort}", StringComparison.Ordinal));

    [Fact]
    public async Task Pod_HostPort_ServesOnLoopbackHostPort_AndItsRulesGoAwayWithThePod()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("hostport");
        var hostPort = FreeLoopbackPort();
        await CreateAsync(Api, Pod(name, node, "Always", new V1Container
        {
            Name = "web",
            Image = TestImages.MyAppV1,
            ImagePullPolicy = "IfNotPresent",
            Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = hostPort }],
        }));
        await WaitAsync(Api, name, p => p.Status?.Phase == "Running" && IsReady(p), Start, "hostPort pod Running");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        string? page = null;
        await TestCluster.EventuallyAsync(async () =>
        {
            try { page = await http.GetStringAsync($"http://127.0.0.1:{hostPort}/"); }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
            return true;
        }, TimeSpan.FromSeconds(20), $"127.0.0.1:{hostPort} answering");
        Assert.Equal(TestImages.MyAppIndex("v1"), page);
        Assert.NotEmpty(NatRulesFor(hostPort));

        await DeleteAndWaitAsync(Api, name);
        Assert.Empty(NatRulesFor(hostPort));
        await Assert.ThrowsAnyAsync<Exception>(() => http.GetStringAsync($"http://127.0.0.1:{hostPort}/"));
    }

    [Fact]
    public async Task Pod_HostNetwork_SharesTheHostNetns_HostsAndResolvConfFollowKubernetes()
    {
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("hostnet");
        var pod = Pod(name, node, "Always", Busybox("app", "sleep 3600"));
        pod.Spec.HostNetwork = true;
        pod.Spec.DnsPolicy = "ClusterFirstWithHostNet";
        pod.Spec.HostAliases = [new V1HostAlias { Ip = "10.1.2.3", Hostnames = ["alias.test"] }];
        await CreateAsync(Api, pod);

        var running = await WaitAsync(Api, name, p => p.Status?.Phase == "Running" && IsReady(p), Start, "hostNetwork pod Running");
        Assert.Equal(("127.0.0.1", "127.0.0.1"), (running.Status.PodIP, running.Status.HostIP));
        // The very network namespace of the host (so its interfaces), and the node's hostname.
        Assert.Equal(new FileInfo("/proc/self/ns/net").LinkTarget, (await ExecAsync(running, "readlink", "/proc/self/ns/net")).Trim());
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/hostname").Trim(), (await ExecAsync(running, "hostname")).Trim());
        var hosts = await ExecAsync(running, "cat", "/etc/hosts");
        Assert.StartsWith("# Kubernetes-managed hosts file (host network).\n" + File.ReadAllText("/etc/hosts").TrimEnd('\n'), hosts);
        Assert.Contains("# Entries added by HostAliases.\n10.1.2.3\talias.test\n", hosts);
        var resolv = await ExecAsync(running, "cat", "/etc/resolv.conf");
        Assert.Contains("nameserver 10.96.0.10", resolv);
        Assert.Contains("search default.svc.cluster.local svc.cluster.local cluster.local", resolv);
        await DeleteAndWaitAsync(Api, name);
    }
}
