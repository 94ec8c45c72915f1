using System.Diagnostics;
using Bosun.E2E.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// The seed's Service: a stable virtual IP that is nothing but the proxy's DNAT rules on the node, kept current from the
/// label selector and the pods' readiness. The built server's agent runs its iptables proxy on the host (this class owns
/// the host's KUBE-* chains while it runs; the fixture removes them with <c>bosun agent --cleanup</c> and checks nothing
/// of them is left). Run under <c>flock /tmp/bosun-hostnet.lock</c>.
/// </summary>
[Trait("Category", "Containers")]
[Collection(SerialAgentClusterCollection.Name)]
public sealed class ServiceProxyTests(ServiceNetworkFixture fixture, ITestOutputHelper output) : IClassFixture<ServiceNetworkFixture>
{
    private Kubectl Kubectl => fixture.Kubectl;
    private string Ns => fixture.Namespace;

    [Fact]
    public async Task ExposedDeployment_ClusterIpFromHost_BalancesOverAllPodsUntilServiceDeleted()
    {
        (await Kubectl.RunAsync("expose", "deployment", "myapp", "--port=80", "--name=myapp-gone", "-n", Ns)).Ok();
        var clusterIp = await fixture.ClusterIpAsync("myapp-gone");
        await ServiceNetworkFixture.WaitForRulesAsync(clusterIp);

        var hosts = await ServiceNetworkFixture.DistinctHostNamesAsync($"http://{clusterIp}", 60, TimeSpan.FromSeconds(30));
        Assert.Equal(await fixture.ReadyPodsAsync(), hosts);

        (await Kubectl.RunAsync("delete", "service", "myapp-gone", "-n", Ns)).Ok();
        await Poll.UntilAsync(() => !ServiceNetworkFixture.KubeRules().Any(l => l.Contains(clusterIp + "/32", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), $"the rules for {clusterIp} removed");
    }

    [Fact]
    public async Task ExposedAsNodePort_FromHostOnNodeAddress_ReachesAllPods()
    {
        (await Kubectl.RunAsync("expose", "deployment", "myapp", "--port=80", "--type=NodePort", "--name=myapp-nodeport", "-n", Ns)).Ok();
        var service = (await Kubectl.RunAsync("get", "service", "myapp-nodeport", "-n", Ns, "-o", "json")).Ok().Json;
        Assert.Equal("NodePort", service.GetProperty("spec").GetProperty("type").GetString());
        var nodePort = service.GetProperty("spec").GetProperty("ports")[0].GetProperty("nodePort").GetInt32();
        Assert.InRange(nodePort, 30000, 32767);
        await ServiceNetworkFixture.WaitForRulesAsync(service.GetProperty("spec").GetProperty("clusterIP").GetString()!);
        await Poll.UntilAsync(() => ServiceNetworkFixture.KubeRules().Any(l => l.Contains("KUBE-NODEPORTS", StringComparison.Ordinal) && l.Contains($"--dport {nodePort}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), $"the NodePort {nodePort} rule");

        var hosts = await ServiceNetworkFixture.DistinctHostNamesAsync($"http://{fixture.Cluster.NodeIp}:{nodePort}", 60, TimeSpan.FromSeconds(30));
        Assert.Equal(await fixture.ReadyPodsAsync(), hosts);

        (await Kubectl.RunAsync("delete", "service", "myapp-nodeport", "-n", Ns)).Ok();
        await Poll.UntilAsync(() => !ServiceNetworkFixture.KubeRules().Any(l => l.Contains($"--dport {nodePort}", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), $"the rules for NodePort {nodePort} removed");
    }

    /// <remarks>
    /// busybox's nslookup sends a dot-less name with every search domain at once and prints (and exits 1 for) each
    /// NXDOMAIN, as it does on Kubernetes, and sends a name with a dot only as it is: the assertions read the answer
    /// lines, and <c>myapp.&lt;ns&gt;</c> is resolved by libc (search path, ndots:5) through nc.
    /// </remarks>
    [Fact]
    public async Task ClientPod_ResolvesServiceNamesByClusterDns_AndOtherNamesOnlyThroughTheHostResolver()
    {
        var resolver = fixture.Cluster.Resolver!;
        var asked = resolver.Questions.Count;
        var fqdn = $"myapp.{Ns}.svc.cluster.local";
        foreach (var name in new[] { "myapp", fqdn })
        {
            var lookup = await ExecAsync("nslookup", name);
            Assert.True(lookup.Stdout.Contains($"Name:\t{fqdn}\nAddress: {fixture.ClusterIp}\n", StringComparison.Ordinal), lookup.ToString());
        }
        var byNamespace = await ExecAsync("sh", "-c", $"printf 'GET /hostname.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 myapp.{Ns} 80 | tail -n 1");
        Assert.True(byNamespace.ExitCode == 0, byNamespace.ToString());
        Assert.Contains(byNamespace.Stdout.Trim(), await fixture.ReadyPodsAsync());
        // Cluster names are answered by the cluster DNS itself, never forwarded.
        Assert.Empty(resolver.Questions.Skip(asked));

        // Not a cluster name: forwarded to the host's resolver (here the test's, on loopback), whose NXDOMAIN comes back.
        var invalid = await ExecAsync("nslookup", "example.invalid");
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.True(invalid.Stdout.Contains("can't find example.invalid: NXDOMAIN", StringComparison.Ordinal), invalid.ToString());
        Assert.DoesNotContain("Name:", invalid.Stdout, StringComparison.Ordinal);
        Assert.Contains("example.invalid", resolver.Questions);
        var upstream = await ExecAsync("nslookup", AgentCluster.UpstreamName);
        Assert.True(upstream.Stdout.Contains($"Name:\t{AgentCluster.UpstreamName}\nAddress: {AgentCluster.UpstreamAddress}\n", StringComparison.Ordinal), upstream.ToString());
    }

    /// <summary>
    /// The seed: "the client accesses the Service name, resolved by the cluster DNS, then DNAT'd to a pod". The client
    /// is busybox's nc (libc's resolver, the pod's resolv.conf); Debian's static busybox wget crashes before connecting.
    /// </summary>
    [Fact]
    public async Task ClientPod_ByServiceName_IsResolvedByClusterDnsThenDnatedToTheDeploymentsPods()
    {
        const int requests = 60;
        var asked = fixture.Cluster.Resolver!.Questions.Count;
        var result = await ExecAsync("sh", "-c",
            $"for i in $(seq {requests}); do printf 'GET /hostname.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 myapp 80 | tail -n 1; done");
        Assert.True(result.ExitCode == 0, result.ToString());
        var answers = result.Lines.Select(l => l.Trim()).ToArray();
        Assert.True(answers.Length == requests, result.ToString());
        Assert.Equal(await fixture.ReadyPodsAsync(), answers.Distinct().Order(StringComparer.Ordinal));
        // Resolved by the cluster DNS: the host's resolver never saw the name.
        Assert.Empty(fixture.Cluster.Resolver.Questions.Skip(asked));
    }

    [Fact]
    public async Task ReadinessProbeFails_PodLeavesTheAnswersWithinSeconds_AndReturnsWhenItPassesAgain()
    {
        var url = $"http://{fixture.ClusterIp}";
        var pods = await fixture.ReadyPodsAsync();
        var victim = pods[0];

        var watch = Stopwatch.StartNew();
        (await Kubectl.RunAsync("exec", victim, "-n", Ns, "--", "rm", "/usr/share/nginx/html/index.html")).Ok();
        await Poll.UntilAsync(async () => await ServiceNetworkFixture.HostNamesFromHostAsync(url, 20) is { } hosts && !hosts.Contains(victim),
            TimeSpan.FromSeconds(10), $"{victim} gone from the answers of {url}");
        var removed = watch.Elapsed;
        Assert.Equal(pods.Where(p => p != victim), await ServiceNetworkFixture.DistinctHostNamesAsync(url, 40, TimeSpan.FromSeconds(10)));

        watch.Restart();
        (await Kubectl.RunAsync("exec", victim, "-n", Ns, "--", "sh", "-c", "echo restored > /usr/share/nginx/html/index.html")).Ok();
        await Poll.UntilAsync(async () => await ServiceNetworkFixture.HostNamesFromHostAsync(url, 20) is { } hosts && hosts.Contains(victim),
            TimeSpan.FromSeconds(10), $"{victim} back in the answers of {url}");
        var returned = watch.Elapsed;
        output.WriteLine($"{victim}: out of the answers {removed.TotalSeconds:0.0} s after its file was deleted, back {returned.TotalSeconds:0.0} s after it was restored");
        Assert.True(removed < TimeSpan.FromSeconds(10), $"removed after {removed}");
        Assert.Equal(pods, await ServiceNetworkFixture.DistinctHostNamesAsync(url, 60, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ScaledToFiveReplicas_TrafficSpreadsOverFivePods()
    {
        (await Kubectl.RunAsync("scale", "deployment", "myapp", "--replicas=5", "-n", Ns)).Ok();
        (await Kubectl.RunAsync(["rollout", "status", "deployment/myapp", "-n", Ns, "--timeout=90s"], null, TimeSpan.FromSeconds(100))).Ok();
        var pods = await fixture.ReadyPodsAsync();
        Assert.Equal(5, pods.Length);

        string[] hosts = [];
        await Poll.UntilAsync(async () => (hosts = await ServiceNetworkFixture.DistinctHostNamesAsync($"http://{fixture.ClusterIp}", 100, TimeSpan.FromSeconds(10))).Length == 5,
            TimeSpan.FromSeconds(20), "answers from 5 pods");
        Assert.Equal(pods, hosts);
    }

    private Task<KubectlResult> ExecAsync(params string[] command) =>
        Kubectl.RunAsync(["exec", "client", "-n", Ns, "--", .. command], null, TimeSpan.FromSeconds(60));
}
