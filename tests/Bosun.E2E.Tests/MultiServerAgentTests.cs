using System.Diagnostics;
using System.Text;
using Bosun.E2E.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Bosun.E2E.Tests;

/// <summary>
/// Two <c>bosun server</c> processes on one etcd cluster, seen from the nodes and from Service allocation: nodes move
/// to the live server when theirs dies, and both servers draw cluster IPs and node ports from the shared bitmaps.
/// </summary>
[Trait("Category", "E2E")]
public sealed class MultiServerAgentTests(ITestOutputHelper output)
{
    private const int GraceSeconds = 8;

    [Fact]
    public async Task KillingTheServerTheNodesTalkTo_NodesStayReadyThroughTheOther_AndANewPodIsBoundAndReported()
    {
        await using var cluster = await MultiServerCluster.StartAsync("multi-agent", "--node-monitor-grace-period", GraceSeconds.ToString());
        var kubectlB = cluster.KubectlFor(cluster.B);
        // The nodes are given server A only; they learn B from the kubernetes Endpoints.
        await using var nodes = SimulatedNodesProcess.Start(cluster.A.KubeconfigPath, 2, "moving-node", 1);
        await Poll.UntilAsync(async () => ReadyNodes(await kubectlB.RunAsync("get", "nodes", "-o", NodeReadyPath)) == 2,
            TimeSpan.FromSeconds(60), $"two Ready nodes\n{nodes.Log}");
        await Poll.UntilAsync(async () => (await kubectlB.RunAsync("get", "leases", "-n", "kube-node-lease", "-o", "name")).Lines.Count(l => l.Contains("moving-node")) == 2,
            TimeSpan.FromSeconds(30), $"the nodes' Leases\n{nodes.Log}");
        var endpoints = (await kubectlB.RunAsync("get", "endpoints", "kubernetes", "-n", "default", "-o", "jsonpath={.subsets[*].ports[0].port}")).Ok().Stdout;
        Assert.Contains(cluster.A.Port.ToString(), endpoints);
        Assert.Contains(cluster.B.Port.ToString(), endpoints);
        await Poll.UntilAsync(() => nodes.Log.Contains($":{cluster.B.Port}/", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), $"the nodes learning server B from the Endpoints\n{nodes.Log}");

        await cluster.A.KillAsync();
        var clock = Stopwatch.StartNew();
        (await kubectlB.RunAsync("run", "after-kill", "--image=busybox", "--restart=Never")).Ok();
        await Poll.UntilAsync(async () =>
        {
            var pod = await kubectlB.RunAsync("get", "pod", "after-kill", "-o", "jsonpath={.spec.nodeName} {.status.phase}");
            return pod.ExitCode == 0 && pod.Stdout.StartsWith("moving-node", StringComparison.Ordinal) && pod.Stdout.EndsWith(" Running", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), $"the new pod bound and reported Running through server B\n{nodes.Log}\n{cluster.Logs}");
        output.WriteLine($"server A killed -> new pod bound and Running through B: {clock.ElapsedMilliseconds} ms");

        // Past the grace period the nodes are still Ready: their heartbeats reach server B.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(GraceSeconds + 4);
        while (DateTime.UtcNow < until)
        {
            Assert.Equal(2, ReadyNodes(await kubectlB.RunAsync("get", "nodes", "-o", NodeReadyPath)));
            await Task.Delay(1000);
        }
        Assert.Contains("moving to", nodes.Log);
        Assert.False(nodes.HasExited);
        // Server A's Lease ran out: the Endpoints name server B alone.
        await Poll.UntilAsync(async () =>
            (await kubectlB.RunAsync("get", "endpoints", "kubernetes", "-n", "default", "-o", "jsonpath={.subsets[*].ports[0].port}")).Stdout.Trim() == cluster.B.Port.ToString(),
            TimeSpan.FromSeconds(30), "server A gone from the kubernetes Endpoints");
    }

    [Fact]
    public async Task TwoServersCreatingServicesAtOnce_HandOutNoClusterIpOrNodePortTwice()
    {
        const int perServer = 40;
        await using var cluster = await MultiServerCluster.StartAsync("multi-alloc");
        var a = cluster.KubectlFor(cluster.A);
        var b = cluster.KubectlFor(cluster.B);

        var created = await Task.WhenAll(
            a.RunWithInputAsync(Services("from-a", perServer), "create", "-f", "-"),
            b.RunWithInputAsync(Services("from-b", perServer), "create", "-f", "-"));
        foreach (var result in created) result.Ok();

        var rows = (await a.RunAsync("get", "services", "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.clusterIP} {.spec.ports[0].nodePort}{\"\\n\"}{end}"))
            .Ok().Lines.Where(l => l.StartsWith("from-", StringComparison.Ordinal)).Select(l => l.Split(' ')).ToList();
        Assert.Equal(2 * perServer, rows.Count);
        Assert.Equal(2 * perServer, rows.Select(r => r[1]).Distinct().Count());
        Assert.Equal(2 * perServer, rows.Select(r => r[2]).Distinct().Count());
    }

    private const string NodeReadyPath = "jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}";

    private static int ReadyNodes(KubectlResult result) =>
        result.ExitCode == 0 ? result.Lines.Count(l => l.StartsWith("moving-node", StringComparison.Ordinal) && l.EndsWith(" True", StringComparison.Ordinal)) : -1;

    /// <summary>A multi-document manifest of NodePort Services, which kubectl creates one after another.</summary>
    private static string Services(string prefix, int count)
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < count; i++)
            yaml.Append($"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {prefix}-{i}\n  namespace: default\nspec:\n  type: NodePort\n  selector:\n    app: x\n  ports:\n  - port: 80\n");
        return yaml.ToString();
    }
}
