using System.Net;
using Bosun.Cri.V1;
using Bosun.Proxy;
using Bosun.Proxy.Iptables;
using Bosun.Proxy.Rules;
using Bosun.Testing.Containers;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Bench;

/// <summary>
/// What a ClusterIP hop costs: HTTP from the host to one real pod (busybox httpd in the myapp test image, on a private
/// containerd with its own bridge) directly by pod IP and through a ClusterIP whose DNAT/masquerade rules the proxy's
/// own <see cref="ProxySyncer"/> wrote into the host's nat table. Same pod, same run, the two targets alternating
/// within each round. Needs root; takes the host network lock (/tmp/bosun-hostnet.lock) because it programs the
/// host's iptables, refuses to run when KUBE-* chains already exist, and removes its chains afterwards.
/// </summary>
internal static class ClusterIpHopBenchmark
{
    private const int Rounds = 7;
    private const int Sequential = 300;
    private const int Clients = 8;

    public static async Task<List<SummaryRow>> RunAsync(TimeSpan perRun)
    {
        if (Environment.UserName != "root")
        {
            Console.WriteLine("clusterip-hop: skipped (needs root for containerd and the host's iptables)");
            return [];
        }
        using var hostLock = await HostNetLock.AcquireAsync();
        var iptables = new IptablesExecutor();
        if ((await iptables.SaveAsync(CancellationToken.None)).Contains(":KUBE-", StringComparison.Ordinal))
            throw new InvalidOperationException("clusterip-hop: the host already has KUBE-* chains (a bosun agent or kube-proxy runs); not touching them");
        var containerd = await ContainerdFixture.StartAsync();
        try
        {
            return await RunOnAsync(containerd, iptables, perRun);
        }
        finally
        {
            await containerd.DisposeAsync();
            if (containerd.Leftovers.Count > 0) Console.WriteLine("clusterip-hop: LEFT ON THE HOST: " + string.Join("; ", containerd.Leftovers));
        }
    }

    private static async Task<List<SummaryRow>> RunOnAsync(ContainerdFixture containerd, IptablesExecutor iptables, TimeSpan perRun)
    {
        var sandbox = await StartMyAppAsync(containerd);
        try
        {
            var podIp = (await containerd.Cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = sandbox })).Status.Network.Ip;
            var direct = new IPEndPoint(IPAddress.Parse(podIp), 80);
            await WaitAnswersAsync(direct);
            var clusterIp = $"10.111.{Random.Shared.Next(1, 250)}.{Random.Shared.Next(1, 250)}";
            try
            {
                await WriteServiceRulesAsync(iptables, clusterIp, podIp);
                return await MeasureAsync(direct, new IPEndPoint(IPAddress.Parse(clusterIp), 80), perRun);
            }
            finally
            {
                await ProxyCleanup.RunAsync(iptables, CancellationToken.None);
                if ((await iptables.SaveAsync(CancellationToken.None)).Contains("KUBE-", StringComparison.Ordinal))
                    Console.WriteLine("clusterip-hop: KUBE-* rules LEFT in the host's tables after cleanup");
            }
        }
        finally
        {
            await containerd.Cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandbox });
            await containerd.Cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox });
        }
    }

    /// <summary>
    /// The rules the agent's proxy writes for <c>bench/hop</c> (port 80 → the pod) on a node whose pod network is
    /// 10.244.0.0/16: host traffic is from outside it, so it is masqueraded, as for the Containers tests' requests.
    /// Checked in the saved table before any packet goes to the cluster IP (without the DNAT it would leave the machine).
    /// </summary>
    private static async Task WriteServiceRulesAsync(IptablesExecutor iptables, string clusterIp, string podIp)
    {
        var node = new NodeInfo([], IPNetwork.Parse("10.244.0.0/16"), false);
        var port = new ServicePortInfo("bench/hop:http", "TCP", clusterIp, 80, 0, [], null, false, false,
            [new EndpointInfo(podIp, 80, true, true, false, true)]);
        await new ProxySyncer(iptables, node, NullLogger.Instance).SyncAsync([port], full: true, CancellationToken.None);
        if (!(await iptables.SaveAsync(CancellationToken.None)).Contains($"-d {clusterIp}/32", StringComparison.Ordinal))
            throw new InvalidOperationException($"clusterip-hop: no rule for {clusterIp} after the sync");
    }

    private static async Task<List<SummaryRow>> MeasureAsync(IPEndPoint direct, IPEndPoint viaService, TimeSpan perRun)
    {
        await HttpHopLoad.LatenciesAsync(direct, 50);   // warm-up: JIT, httpd's page cache, conntrack
        await HttpHopLoad.LatenciesAsync(viaService, 50);
        var rows = new List<(double DirectP50, double ServiceP50, double DirectP99, double ServiceP99, double DirectRps, double ServiceRps)>();
        for (var round = 0; round < Rounds; round++)
        {
            // Alternate which target goes first, so drift in the machine's load skews both alike.
            var first = round % 2 == 0 ? direct : viaService;
            var second = round % 2 == 0 ? viaService : direct;
            // ABBA order within the round cancels a load that drifts linearly.
            var l1 = await HttpHopLoad.LatenciesAsync(first, Sequential / 2);
            var l2 = await HttpHopLoad.LatenciesAsync(second, Sequential);
            var l3 = await HttpHopLoad.LatenciesAsync(first, Sequential / 2);
            var half = perRun / 2;
            var syn0 = HttpHopLoad.SynRetransmits();
            var t1 = await HttpHopLoad.ThroughputAsync(first, Clients, half);
            var syn1 = HttpHopLoad.SynRetransmits();
            var t2 = await HttpHopLoad.ThroughputAsync(second, Clients, perRun);
            var syn2 = HttpHopLoad.SynRetransmits();
            var t3 = await HttpHopLoad.ThroughputAsync(first, Clients, half);
            var syn3 = HttpHopLoad.SynRetransmits();
            var (synFirst, synSecond) = (syn1 - syn0 + syn3 - syn2, syn2 - syn1);
            var (synDirect, synService) = first == direct ? (synFirst, synSecond) : (synSecond, synFirst);
            double[] firstLatencies = [.. l1, .. l3];
            Array.Sort(firstLatencies);
            var (ld, ls, td, ts) = first == direct ? (firstLatencies, l2, (t1 + t3) / 2, t2) : (l2, firstLatencies, t2, (t1 + t3) / 2);
            rows.Add((Stats.Percentile(ld, 0.5), Stats.Percentile(ls, 0.5), Stats.Percentile(ld, 0.99), Stats.Percentile(ls, 0.99), td, ts));
            Console.WriteLine($"  round {round + 1}: latency p50 direct {rows[^1].DirectP50:0.000} ms, ClusterIP {rows[^1].ServiceP50:0.000} ms; " +
                $"{Clients} clients: direct {td:0} req/s, ClusterIP {ts:0} req/s; SYN retransmissions direct {synDirect}, ClusterIP {synService}; conntrack entries {Conntrack()}");
        }
        var p50Direct = Stats.Median(rows.Select(r => r.DirectP50));
        var p50Service = Stats.Median(rows.Select(r => r.ServiceP50));
        var added = Stats.Median(rows.Select(r => r.ServiceP50 - r.DirectP50));
        var ratio = Stats.Median(rows.Select(r => r.ServiceRps / r.DirectRps));
        var rpsDirect = Stats.Median(rows.Select(r => r.DirectRps));
        var rpsService = Stats.Median(rows.Select(r => r.ServiceRps));
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        Console.WriteLine($"clusterip-hop: p50 {p50Direct:0.000} ms direct vs {p50Service:0.000} ms via ClusterIP (added {added * 1000:0} µs); " +
            $"{rpsDirect:0} vs {rpsService:0} req/s ({ratio:0.00}×); load average {load}");
        return
        [
            new("H1. ClusterIP hop, added latency (1 client, p50)", $"{added * 1000:0} µs", "report only", true,
                $"p50 direct {p50Direct:0.000} ms, via ClusterIP {p50Service:0.000} ms; p99 {Stats.Median(rows.Select(r => r.DirectP99)):0.00} / {Stats.Median(rows.Select(r => r.ServiceP99)):0.00} ms; new TCP connection per request; median of {Rounds} rounds × {Sequential}"),
            new($"H2. ClusterIP hop, throughput ({Clients} clients)", $"{ratio:0.00}× direct", "report only", true,
                $"{rpsDirect:0} req/s direct, {rpsService:0} req/s via ClusterIP (DNAT + masquerade); one busybox httpd pod; median of {Rounds} rounds of {perRun.TotalSeconds:0} s each"),
        ];
    }

    /// <summary>One pod of the myapp test image (busybox httpd on :80 serving hostname.html), started through CRI.</summary>
    private static async Task<string> StartMyAppAsync(ContainerdFixture containerd)
    {
        var uid = Guid.NewGuid().ToString();
        var sandbox = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = "hop", Namespace = "bench", Uid = uid },
            Hostname = "hop",
            LogDirectory = containerd.LogDir(uid),
            Linux = new LinuxPodSandboxConfig { CgroupParent = containerd.CgroupParent(uid) },
        };
        Directory.CreateDirectory(Path.Combine(sandbox.LogDirectory, "myapp"));
        var container = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = "myapp" },
            Image = new ImageSpec { Image = TestImages.MyAppV1 },
            LogPath = "myapp/0.log",
        };
        var runtime = containerd.Cri.Runtime;
        var podId = (await runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = sandbox })).PodSandboxId;
        try
        {
            var id = (await runtime.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = podId, Config = container, SandboxConfig = sandbox })).ContainerId;
            await runtime.StartContainerAsync(new StartContainerRequest { ContainerId = id });
            return podId;
        }
        catch
        {
            await runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = podId });
            await runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = podId });
            throw;
        }
    }

    private static string Conntrack() =>
        File.Exists("/proc/sys/net/netfilter/nf_conntrack_count") ? File.ReadAllText("/proc/sys/net/netfilter/nf_conntrack_count").Trim() : "?";

    private static async Task WaitAnswersAsync(IPEndPoint target)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await HttpHopLoad.GetAsync(target);
                return;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or InvalidOperationException && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }
}
