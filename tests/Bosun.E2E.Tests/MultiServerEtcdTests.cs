using System.Diagnostics;
using Bosun.E2E.Tests.Infrastructure;
using Bosun.Testing.Etcd;
using Xunit.Abstractions;

namespace Bosun.E2E.Tests;

/// <summary>Two <c>bosun server</c> processes on one three-member etcd cluster, driven by the real kubectl.</summary>
[Trait("Category", "E2E")]
public sealed class MultiServerEtcdTests(ITestOutputHelper output)
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task KubectlWritesThroughServerA_AreReadAndWatchedThroughServerB()
    {
        await using var cluster = await MultiServerCluster.StartAsync("multi-rw");
        var a = cluster.KubectlFor(cluster.A);
        var b = cluster.KubectlFor(cluster.B);
        using var watch = b.Start("get", "configmaps", "-n", "default", "-w", "--output-watch-events", "-o", "jsonpath={.type} {.object.metadata.name}{\"\\n\"}");
        // The watch lists first: write only once it has listed (every namespace holds kube-root-ca.crt), or a slow kubectl
        // start could list the labelled object and never see it MODIFIED.
        await watch.WaitForLineAsync("^ADDED kube-root-ca.crt$", WatchTimeout);

        var created = (await a.RunAsync("create", "configmap", "shared", "--from-literal=k=v1", "-o", "jsonpath={.metadata.resourceVersion}")).Ok();
        (await a.RunAsync("label", "configmap", "shared", "written-by=a")).Ok();

        var read = (await b.RunAsync("get", "configmap", "shared", "-o", "json")).Ok().Json;
        Assert.Equal("v1", read.GetProperty("data").GetProperty("k").GetString());
        Assert.Equal("a", read.GetProperty("metadata").GetProperty("labels").GetProperty("written-by").GetString());
        Assert.True(long.Parse(read.GetProperty("metadata").GetProperty("resourceVersion").GetString()!) > long.Parse(created.Stdout));
        await watch.WaitForLineAsync("^ADDED shared$", WatchTimeout);
        await watch.WaitForLineAsync("^MODIFIED shared$", WatchTimeout);
        // Server B's admin kubeconfig also works against server A: both serve certificates from the shared CA.
        (await b.RunAsync("--server", cluster.A.Url.ToString(), "get", "configmap", "shared")).Ok();
    }

    [Fact]
    public async Task KillingTheLeadingServer_SchedulingAndControllersContinueOnTheOther()
    {
        await using var cluster = await MultiServerCluster.StartAsync("multi-failover");
        await Poll.UntilAsync(() => cluster.LeaderOf("kube-scheduler") is not null && cluster.LeaderOf("kube-controller-manager") is not null,
            TimeSpan.FromSeconds(30), "leaders of kube-scheduler and kube-controller-manager");
        var leader = cluster.LeaderOf("kube-scheduler")!;
        var survivor = leader == cluster.A ? cluster.B : cluster.A;
        var kubectl = cluster.KubectlFor(survivor);
        await using var nodes = SimulatedNodesProcess.Start(survivor.KubeconfigPath, 2, "failover-node", 2);
        await Poll.UntilAsync(async () => (await kubectl.RunAsync("get", "nodes")).Names.Length == 2, TimeSpan.FromSeconds(30), "two simulated nodes");

        await leader.KillAsync();
        var clock = Stopwatch.StartNew();
        (await kubectl.RunAsync("create", "deployment", "after-failover", "--image=busybox", "--replicas=1")).Ok();
        await Poll.UntilAsync(async () =>
        {
            var pods = await kubectl.RunAsync("get", "pods", "-l", "app=after-failover", "-o", "jsonpath={.items[*].spec.nodeName}");
            return pods.ExitCode == 0 && pods.Stdout.StartsWith("failover-node", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), $"a bound pod of the Deployment after the leader died\n{cluster.Logs}");
        clock.Stop();

        output.WriteLine($"leader server killed -> Deployment's pod created and bound on the other server: {clock.ElapsedMilliseconds} ms (lease {MultiServerCluster.LeaseSeconds} s)");
        Assert.Contains("became leader of kube-scheduler", survivor.Log);
        Assert.Contains("became leader of kube-controller-manager", survivor.Log);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(MultiServerCluster.LeaseSeconds * 5), $"failover took {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task KillingOneEtcdMember_WritesThroughBothServersContinue()
    {
        await using var cluster = await MultiServerCluster.StartAsync("multi-member");
        var a = cluster.KubectlFor(cluster.A);
        var b = cluster.KubectlFor(cluster.B);
        (await a.RunAsync("create", "configmap", "before")).Ok();

        cluster.InitialEtcdLeader.Kill();

        (await a.RunAsync("create", "configmap", "after-a")).Ok();
        (await b.RunAsync("create", "configmap", "after-b")).Ok();
        var names = (await a.RunAsync("get", "configmaps", "-o", "name")).Ok().Lines;
        Assert.Contains("configmap/before", names);
        Assert.Contains("configmap/after-a", names);
        Assert.Contains("configmap/after-b", names);
    }

    [Fact]
    public async Task WatchThroughServerB_SurvivesEtcdLeaderChange_WithNoMissedOrRepeatedEvents()
    {
        const int writes = 30;
        await using var cluster = await MultiServerCluster.StartAsync("multi-history");
        var a = cluster.KubectlFor(cluster.A);
        var b = cluster.KubectlFor(cluster.B);
        using var watch = b.Start("get", "configmaps", "-n", "default", "-w", "--output-watch-events",
            "-o", "jsonpath={.type} {.object.metadata.name} {.object.metadata.resourceVersion}{\"\\n\"}");
        (await a.RunAsync("create", "configmap", "h-start")).Ok();
        await watch.WaitForLineAsync(@"^ADDED h-start \d+$", WatchTimeout);

        var created = new List<(string Name, string ResourceVersion)>();
        for (var i = 0; i < writes; i++)
        {
            if (i == writes / 3)
                cluster.InitialEtcdLeader.Kill();
            var name = $"h-{i / 2}";
            if (i % 2 == 0)
                created.Add((name, (await a.RunAsync("create", "configmap", name, "-o", "jsonpath={.metadata.resourceVersion}")).Ok().Stdout));
            else
                (await a.RunAsync("label", "configmap", name, $"step={i}")).Ok();
        }
        // The committed history: each create at its resourceVersion, then its label at the version it has now.
        var current = (await a.RunAsync("get", "configmaps", "-o", "jsonpath={range .items[*]}{.metadata.name} {.metadata.resourceVersion}{\"\\n\"}{end}")).Ok()
            .Lines.Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        var committed = created.SelectMany(c => new[] { $"ADDED {c.Name} {c.ResourceVersion}", $"MODIFIED {c.Name} {current[c.Name]}" }).ToList();
        await watch.WaitForLineAsync($"^{committed[^1]}$", WatchTimeout);

        var seen = watch.Lines.Where(l => l.Split(' ') is [_, var n, _] && n.StartsWith("h-", StringComparison.Ordinal) && n != "h-start").ToList();
        Assert.Equal(committed, seen);
        Assert.True(await cluster.Etcd.LeaderAsync() != cluster.InitialEtcdLeader);
    }

    [Fact]
    public async Task SecondServer_WithWrongToken_RefusesToStartAndSaysWhy()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        using var temp = new TempDirectory("bosun-e2e-token");
        await using var first = await BosunProcess.StartAsync(temp.Combine("a"), "--datastore-endpoint", etcd.Endpoints, "--token", "right");

        var second = await BosunCommand.RunAsync("server", "--data-dir", temp.Combine("b"), "--https-listen-port", "0",
            "--bind-address", "127.0.0.1", "--disable-agent", "--datastore-endpoint", etcd.Endpoints, "--token", "wrong");

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("bosun server: the cluster bootstrap data in the datastore cannot be decrypted with this --token", second.Stderr);
    }

    [Fact]
    public async Task SecondServer_WithAnotherServiceCidr_RefusesToStartAndNamesTheFlag()
    {
        await using var etcd = await EtcdCluster.StartAsync();
        using var temp = new TempDirectory("bosun-e2e-settings");
        await using var first = await BosunProcess.StartAsync(temp.Combine("a"), "--datastore-endpoint", etcd.Endpoints, "--token", "t");

        var second = await BosunCommand.RunAsync("server", "--data-dir", temp.Combine("b"), "--https-listen-port", "0",
            "--bind-address", "127.0.0.1", "--disable-agent", "--datastore-endpoint", etcd.Endpoints, "--token", "t",
            "--service-cidr", "10.97.0.0/16");

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("bosun server: critical configuration differs from the cluster's", second.Stderr);
        Assert.Contains("--service-cidr 10.97.0.0/16 (the cluster uses 10.96.0.0/12)", second.Stderr);
        Assert.Contains("--cluster-dns 10.97.0.10 (the cluster uses 10.96.0.10)", second.Stderr);
        Assert.DoesNotContain("--cluster-domain cluster.local", second.Stderr);
    }

    [Fact]
    public async Task EtcdDatastore_WithoutToken_IsRejectedBeforeStarting()
    {
        using var temp = new TempDirectory("bosun-e2e-notoken");

        var result = await BosunCommand.RunAsync("server", "--data-dir", temp.Combine("a"), "--datastore-endpoint", "http://127.0.0.1:1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("bosun server: --token is required with an etcd datastore", result.Stderr);
    }
}
