using System.Diagnostics;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// The seed's Service: a stable virtual IP that is nothing but the proxy's DNAT rules on the node. The built server's
/// agent runs its iptables proxy on the host (this class owns the host's KUBE-* chains while it runs; the fixture
/// removes them with <c>bosun agent --cleanup</c> and checks nothing of them is left).
/// </summary>
[Trait("Category", "Containers")]
[Collection(SerialAgentClusterCollection.Name)]
public sealed class ServiceProxyTests : IAsyncLifetime
{
    private readonly AgentCluster _cluster = AgentCluster.WithServiceProxy();
    private string[] _kubeRulesBefore = [];

    public async Task InitializeAsync()
    {
        _kubeRulesBefore = KubeRules();
        await _cluster.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Assert.Equal(_kubeRulesBefore, KubeRules());
    }

    private static string[] KubeRules()
    {
        var psi = new ProcessStartInfo("iptables-save") { RedirectStandardOutput = true, UseShellExecute = false };
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return [.. text.Split('\n').Where(l => l.Contains("KUBE-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public async Task ExposedDeployment_ClusterIpFromHost_BalancesOverAllPodsUntilServiceDeleted()
    {
        var kubectl = _cluster.Kubectl;
        var ns = await _cluster.CreateNamespaceAsync("svc");
        (await kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=3", "-n", ns)).Ok();
        (await kubectl.RunAsync(["rollout", "status", "deployment/myapp", "-n", ns, "--timeout=120s"], null, TimeSpan.FromSeconds(130))).Ok();
        (await kubectl.RunAsync("expose", "deployment", "myapp", "--port=80", "-n", ns)).Ok();
        var clusterIp = (await kubectl.RunAsync("get", "service", "myapp", "-n", ns, "-o", "jsonpath={.spec.clusterIP}")).Ok().Stdout;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        var hosts = new HashSet<string>();
        await Poll.UntilAsync(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                try { hosts.Add((await http.GetStringAsync($"http://{clusterIp}/hostname.html")).Trim()); }
                catch (HttpRequestException) { return false; }
                catch (TaskCanceledException) { return false; }
            }
            return true;
        }, TimeSpan.FromSeconds(30), $"60 answers through {clusterIp}");
        var pods = (await kubectl.RunAsync("get", "pods", "-n", ns, "-l", "app=myapp", "-o", "jsonpath={.items[*].metadata.name}")).Ok().Stdout.Split(' ');
        Assert.Equal(pods.Order(), hosts.Order());

        (await kubectl.RunAsync("delete", "service", "myapp", "-n", ns)).Ok();
        await Poll.UntilAsync(() => !KubeRules().Any(l => l.Contains(clusterIp + "/32", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), $"the rules for {clusterIp} removed");
    }
}
