using System.Diagnostics;
using System.Net;
using Bosun.Proxy.Iptables;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Bosun.Proxy.Tests.Netns;

/// <summary>
/// The proxy against the real kernel: a TestCluster API server, the proxy's rules applied with iptables-restore inside
/// a lab network namespace, pods as namespaces with small TCP/UDP servers, traffic from a client pod, the node and
/// an outside namespace.
/// </summary>
[Trait("Category", "Containers")]
public sealed class ProxyNetnsTests(ITestOutputHelper output)
{
    private static readonly string[] PodIps = ["10.244.0.11", "10.244.0.12", "10.244.0.13"];

    /// <summary>Lab + API server + running proxy; the proxy syncs into the lab's node namespace.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private CancellationTokenSource stop = new();
        private ProxyOptions options = null!;
        private readonly List<Backend> backends = [];
        private Task? proxy;

        public NetLab Lab { get; private set; } = null!;
        public TestCluster Cluster { get; private set; } = null!;
        public ProxyRunner Runner { get; private set; } = null!;
        public string ClientPod { get; private set; } = null!;
        public List<string> Pods { get; } = [];
        public List<SyncStats> Syncs { get; } = [];
        public event Action<SyncStats>? Synced;

        public static async Task<Harness> StartAsync(Func<NetLab, Task>? beforeProxy = null, Func<ProxyOptions, ProxyOptions>? configure = null)
        {
            var h = new Harness();
            h.Lab = await NetLab.CreateAsync();
            h.Cluster = await TestCluster.StartAsync();
            for (var i = 0; i < PodIps.Length; i++)
            {
                var ns = await h.Lab.AddPodAsync($"p{i}", PodIps[i]);
                h.Pods.Add(ns);
                h.backends.Add(new Backend(ns, $"pod-{i}", 8080));
            }
            h.ClientPod = await h.Lab.AddPodAsync("cl", "10.244.0.50");
            if (beforeProxy is not null) await beforeProxy(h.Lab);
            var options = new ProxyOptions
            {
                NodeName = "node-a", NodeAddresses = [IPAddress.Parse(NetLab.NodeAddress)], ClusterCidr = IPNetwork.Parse("10.244.0.0/16"),
                NetworkNamespace = h.Lab.Node, MinSyncInterval = TimeSpan.FromMilliseconds(100),
            };
            h.options = configure?.Invoke(options) ?? options;
            await h.StartProxyAsync();
            return h;
        }

        /// <summary>Starts a proxy (a fresh one, as after an agent restart) and waits for its first sync.</summary>
        public async Task StartProxyAsync()
        {
            stop = new CancellationTokenSource();
            lock (Syncs) Syncs.Clear();
            Runner = new ProxyRunner(Cluster.Api, options, new IptablesExecutor(Lab.Node), NullLoggerFactory.Instance, TimeProvider.System);
            Runner.Synced += s => { lock (Syncs) Syncs.Add(s); Synced?.Invoke(s); };
            proxy = Runner.RunAsync(stop.Token);
            await TestCluster.EventuallyAsync(() => { lock (Syncs) return Task.FromResult(Syncs.Count > 0); }, because: "the first sync");
        }

        public async Task StopProxyAsync()
        {
            await stop.CancelAsync();
            if (proxy is not null) await proxy;
            proxy = null;
        }

        public async ValueTask DisposeAsync()
        {
            await StopProxyAsync();
            foreach (var b in backends) b.Dispose();
            await Cluster.DisposeAsync();
            await Lab.DisposeAsync();
        }
    }

    private static V1Service Service(string name, string type = "ClusterIP", string protocol = "TCP") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec { Type = type, Ports = [new V1ServicePort { Name = "web", Port = 80, Protocol = protocol, TargetPort = 8080 }] },
    };

    private static V1EndpointSlice Slice(string service, IEnumerable<string> ips, string protocol = "TCP") => new()
    {
        Metadata = new V1ObjectMeta { Name = service + "-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service } },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = "web", Port = 8080, Protocol = protocol }],
        Endpoints = ips.Select(ip => new V1Endpoint { Addresses = [ip], NodeName = "node-a", Conditions = new V1EndpointConditions { Ready = true } }).ToList(),
    };

    private static async Task<Dictionary<string, int>> CountAsync(Func<Task<Reply>> call, int n)
    {
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < n; i++)
        {
            var r = await call();
            var key = r.Name ?? "error:" + r.Error;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return counts;
    }

    private async Task WaitForNatAsync(Harness h, Func<string, bool> condition, string because) =>
        await TestCluster.EventuallyAsync(async () => condition(await h.Lab.SaveAsync("nat")), TimeSpan.FromSeconds(10), because);

    [RootFact]
    public async Task ClusterIp_BalancesOverAllBackends_AndEndpointRemovalTakesEffectWithinASecond()
    {
        await using var h = await Harness.StartAsync();
        var api = h.Cluster.Api;
        var ip = (await api.CreateAsync("default", Service("web"), CancellationToken.None)).Spec.ClusterIP;
        var slice = await api.CreateAsync("default", Slice("web", PodIps), CancellationToken.None);
        await WaitForNatAsync(h, s => PodIps.All(p => s.Contains(p + ":8080")), "DNAT to all three pods");

        var counts = await CountAsync(() => Client.TcpAsync(h.ClientPod, ip, 80), 60);
        output.WriteLine("60 connections: " + string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal(["pod-0", "pod-1", "pod-2"], counts.Keys.Order());

        // From the node itself (OUTPUT chain), too.
        var fromNode = await Client.TcpAsync(h.Lab.Node, ip, 80);
        Assert.True(fromNode.Name?.StartsWith("pod-"), $"from the node: {fromNode}");

        var synced = new TaskCompletionSource<SyncStats>(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Synced += s => synced.TrySetResult(s);
        var clock = Stopwatch.StartNew();
        slice.Endpoints.RemoveAt(2);
        await api.UpdateAsync("default", slice.Metadata.Name, slice, CancellationToken.None);
        await TestCluster.EventuallyAsync(async () => !(await h.Lab.SaveAsync("nat")).Contains(PodIps[2] + ":8080"), TimeSpan.FromSeconds(5));
        output.WriteLine($"endpoint removal visible in iptables-save after {clock.ElapsedMilliseconds} ms (sync: {(await synced.Task).Elapsed.TotalMilliseconds:F0} ms)");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.ElapsedMilliseconds} ms");

        counts = await CountAsync(() => Client.TcpAsync(h.ClientPod, ip, 80), 30);
        Assert.Equal(["pod-0", "pod-1"], counts.Keys.Order());
    }

    [RootFact]
    public async Task UdpClusterIp_BalancesOverAllBackends()
    {
        await using var h = await Harness.StartAsync();
        var api = h.Cluster.Api;
        var ip = (await api.CreateAsync("default", Service("dns", protocol: "UDP"), CancellationToken.None)).Spec.ClusterIP;
        await api.CreateAsync("default", Slice("dns", PodIps, "UDP"), CancellationToken.None);
        await WaitForNatAsync(h, s => s.Contains("-p udp") && s.Contains(PodIps[2] + ":8080"), "UDP DNAT");

        var counts = await CountAsync(() => Client.UdpAsync(h.ClientPod, ip, 80), 60);

        Assert.Equal(["pod-0", "pod-1", "pod-2"], counts.Keys.Order());
    }

    [RootFact]
    public async Task ServiceWithoutEndpoints_RefusesConnections_TcpAndUdp()
    {
        await using var h = await Harness.StartAsync();
        var api = h.Cluster.Api;
        var tcpIp = (await api.CreateAsync("default", Service("none"), CancellationToken.None)).Spec.ClusterIP;
        var udpIp = (await api.CreateAsync("default", Service("none-udp", protocol: "UDP"), CancellationToken.None)).Spec.ClusterIP;
        await TestCluster.EventuallyAsync(async () => (await h.Lab.SaveAsync("filter")).Contains("default/none-udp:web has no endpoints"), TimeSpan.FromSeconds(10));

        var clock = Stopwatch.StartNew();
        var tcp = await Client.TcpAsync(h.ClientPod, tcpIp, 80);
        Assert.True(tcp.Refused, $"TCP got {tcp}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "refused at once, not a timeout");
        var udp = await Client.UdpAsync(h.ClientPod, udpIp, 80);
        Assert.True(udp.Refused, $"UDP got {udp}");
    }

    [RootFact]
    public async Task NodePort_IsReachableOnTheNodeAddressFromOutside_AndHairpinWorks()
    {
        await using var h = await Harness.StartAsync();
        var api = h.Cluster.Api;
        var svc = await api.CreateAsync("default", Service("np", "NodePort"), CancellationToken.None);
        var nodePort = svc.Spec.Ports[0].NodePort!.Value;
        await api.CreateAsync("default", Slice("np", PodIps), CancellationToken.None);
        await WaitForNatAsync(h, s => s.Contains($"--dport {nodePort} -j KUBE-EXT-"), "the NodePort rule");

        var counts = await CountAsync(() => Client.TcpAsync(h.Lab.Outside, NetLab.NodeAddress, nodePort), 30);
        output.WriteLine($"NodePort {nodePort}: " + string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.All(counts.Keys, k => Assert.StartsWith("pod-", k));
        Assert.True(counts.Count >= 2);

        // Hairpin: pod-0 reaching its own Service lands on itself some of the time; every connection must work.
        var hairpin = await CountAsync(() => Client.TcpAsync(h.Pods[0], svc.Spec.ClusterIP, 80), 30);
        output.WriteLine("hairpin: " + string.Join(", ", hairpin.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Contains("pod-0", hairpin.Keys);
        Assert.All(hairpin.Keys, k => Assert.StartsWith("pod-", k));
    }

    [RootFact]
    public async Task SessionAffinityClientIp_KeepsAClientOnOneBackend()
    {
        await using var h = await Harness.StartAsync();
        var api = h.Cluster.Api;
        var service = Service("sticky");
        service.Spec.SessionAffinity = "ClientIP";
        var ip = (await api.CreateAsync("default", service, CancellationToken.None)).Spec.ClusterIP;
        await api.CreateAsync("default", Slice("sticky", PodIps), CancellationToken.None);
        await WaitForNatAsync(h, s => s.Contains("--rcheck") && s.Contains(PodIps[2] + ":8080"), "affinity rules");

        var counts = await CountAsync(() => Client.TcpAsync(h.ClientPod, ip, 80), 20);

        Assert.Equal(20, Assert.Single(counts).Value);
    }

    [RootFact]
    public async Task DeletingService_RemovesItsRules_AndCleanupRestoresIptablesSaveExactly()
    {
        string baseline = "";
        await using var h = await Harness.StartAsync(async lab =>
        {
            // The host's own rules, which the proxy must leave exactly as they are.
            await lab.IptablesAsync("-t", "nat", "-A", "POSTROUTING", "-s", "10.99.0.0/16", "-j", "MASQUERADE");
            await lab.IptablesAsync("-N", "HOST-OWN");
            await lab.IptablesAsync("-A", "HOST-OWN", "-p", "tcp", "--dport", "22", "-j", "ACCEPT");
            await lab.IptablesAsync("-A", "INPUT", "-j", "HOST-OWN");
            await lab.IptablesAsync("-A", "FORWARD", "-i", "lo", "-j", "ACCEPT");
            baseline = await lab.SaveAsync();
        });
        var api = h.Cluster.Api;
        await api.CreateAsync("default", Service("keep"), CancellationToken.None);
        await api.CreateAsync("default", Slice("keep", PodIps[..1]), CancellationToken.None);
        var ip = (await api.CreateAsync("default", Service("doomed"), CancellationToken.None)).Spec.ClusterIP;
        await api.CreateAsync("default", Slice("doomed", PodIps), CancellationToken.None);
        await WaitForNatAsync(h, s => s.Contains("default/doomed:web cluster IP") && s.Contains("default/keep:web cluster IP"), "both Services");
        var withBoth = await h.Lab.SaveAsync("nat");
        static int Chains(string save, string prefix) => save.Split('\n').Count(l => l.StartsWith(":" + prefix));
        // default/kubernetes (the TestCluster's API server) has chains too.
        var (svcBefore, sepBefore) = (Chains(withBoth, "KUBE-SVC-"), Chains(withBoth, "KUBE-SEP-"));

        await api.DeleteAsync<V1Service>("default", "doomed", CancellationToken.None);
        await WaitForNatAsync(h, s => !s.Contains("default/doomed"), "the deleted Service's rules go");
        var after = await h.Lab.SaveAsync("nat");
        Assert.Contains("default/keep:web cluster IP", after);
        Assert.DoesNotContain(ip + "/32", after);
        Assert.Equal(svcBefore - 1, Chains(after, "KUBE-SVC-"));
        Assert.Equal(sepBefore - 3, Chains(after, "KUBE-SEP-"));

        await h.StopProxyAsync();
        await ServiceProxy.CleanupAsync(h.Lab.Node);

        Assert.Equal(baseline, await h.Lab.SaveAsync());
    }

    [RootFact]
    public async Task NodePort_OnLocalhost_WhenAsked_SetsRouteLocalnetAndWorks()
    {
        await using var h = await Harness.StartAsync(configure: o => o with { LocalhostNodePorts = true });
        var api = h.Cluster.Api;
        var nodePort = (await api.CreateAsync("default", Service("lo", "NodePort"), CancellationToken.None)).Spec.Ports[0].NodePort!.Value;
        await api.CreateAsync("default", Slice("lo", PodIps), CancellationToken.None);
        await WaitForNatAsync(h, s => s.Contains($"--dport {nodePort} -j KUBE-EXT-"), "the NodePort rule");

        Assert.Equal("1", (await Shell.RunAsync("ip", "netns", "exec", h.Lab.Node, "sysctl", "-n", "net.ipv4.conf.all.route_localnet")).Trim());
        var reply = await Client.TcpAsync(h.Lab.Node, "127.0.0.1", nodePort);
        Assert.True(reply.Name?.StartsWith("pod-"), $"127.0.0.1:{nodePort} gave {reply}");
    }

    [RootFact]
    public async Task Restart_FullResyncRemovesRulesOfServicesDeletedWhileDown()
    {
        await using var h = await Harness.StartAsync();
        var api = h.Cluster.Api;
        await api.CreateAsync("default", Service("old"), CancellationToken.None);
        await api.CreateAsync("default", Slice("old", PodIps), CancellationToken.None);
        await WaitForNatAsync(h, s => s.Contains("default/old:web cluster IP"), "the Service's rules");
        await h.StopProxyAsync();

        await api.DeleteAsync<V1Service>("default", "old", CancellationToken.None);
        await api.DeleteAsync<V1EndpointSlice>("default", "old-1", CancellationToken.None);
        Assert.Contains("default/old", await h.Lab.SaveAsync("nat"));   // nobody removed them while the proxy was down
        await h.StartProxyAsync();

        var nat = await h.Lab.SaveAsync("nat");
        Assert.DoesNotContain("default/old", nat);
        Assert.DoesNotContain(PodIps[0] + ":8080", nat);
        // The jumps were already there: not inserted twice.
        Assert.Equal(1, nat.Split('\n').Count(l => l.StartsWith("-A PREROUTING") && l.Contains("KUBE-SERVICES")));
    }

    [RootFact]
    public async Task PodsOnOneBridge_ReachEachOtherThroughAService_IncludingHairpin()
    {
        await using var h = await Harness.StartAsync();
        string[] ips = ["10.244.1.11", "10.244.1.12"];
        var pods = new List<string>();
        var servers = new List<Backend>();
        try
        {
            for (var i = 0; i < ips.Length; i++)
            {
                pods.Add(await h.Lab.AddBridgedPodAsync($"b{i}", ips[i]));
                servers.Add(new Backend(pods[i], $"bridged-{i}", 8080));
            }
            var api = h.Cluster.Api;
            var ip = (await api.CreateAsync("default", Service("br"), CancellationToken.None)).Spec.ClusterIP;
            await api.CreateAsync("default", Slice("br", ips), CancellationToken.None);
            await WaitForNatAsync(h, s => s.Contains(ips[1] + ":8080"), "DNAT to the bridged pods");

            // From bridged pod 0: half the connections land on its neighbour (reply bridged, de-NATed by
            // br_netfilter), half on itself (hairpin through its own bridge port, masqueraded).
            var counts = await CountAsync(() => Client.TcpAsync(pods[0], ip, 80), 30);
            output.WriteLine("bridged: " + string.Join(", ", counts.Select(kv => $"{kv.Key}={kv.Value}")));
            Assert.Equal(["bridged-0", "bridged-1"], counts.Keys.Order());
        }
        finally
        {
            foreach (var s in servers) s.Dispose();
        }
    }

    [RootFact]
    public async Task NodePort_WithoutEndpoints_IsRefusedFromOutside()
    {
        await using var h = await Harness.StartAsync();
        var nodePort = (await h.Cluster.Api.CreateAsync("default", Service("np-empty", "NodePort"), CancellationToken.None)).Spec.Ports[0].NodePort!.Value;
        await TestCluster.EventuallyAsync(async () => (await h.Lab.SaveAsync("filter")).Contains($"--dport {nodePort} -j REJECT"), TimeSpan.FromSeconds(10));

        var reply = await Client.TcpAsync(h.Lab.Outside, NetLab.NodeAddress, nodePort);

        Assert.True(reply.Refused, $"got {reply}");
    }

    [RootFact]
    public async Task ExternalTrafficPolicyLocal_SendsOutsideTrafficOnlyToThisNodesEndpoints()
    {
        await using var h = await Harness.StartAsync();
        var api = h.Cluster.Api;
        var service = Service("local", "NodePort");
        service.Spec.ExternalTrafficPolicy = "Local";
        var created = await api.CreateAsync("default", service, CancellationToken.None);
        var slice = Slice("local", PodIps);
        slice.Endpoints[2].NodeName = "node-b";   // pod-2 stands for a pod on another node
        await api.CreateAsync("default", slice, CancellationToken.None);
        await WaitForNatAsync(h, s => s.Contains("KUBE-SVL-") && s.Contains(PodIps[2] + ":8080"), "local and cluster chains");

        var outside = await CountAsync(() => Client.TcpAsync(h.Lab.Outside, NetLab.NodeAddress, created.Spec.Ports[0].NodePort!.Value), 30);
        var inside = await CountAsync(() => Client.TcpAsync(h.ClientPod, created.Spec.ClusterIP, 80), 45);

        Assert.Equal(["pod-0", "pod-1"], outside.Keys.Order());
        Assert.Equal(["pod-0", "pod-1", "pod-2"], inside.Keys.Order());   // cluster IP traffic still uses every endpoint
    }
}
