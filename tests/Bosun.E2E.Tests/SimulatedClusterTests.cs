using System.Text.Json;
using System.Text.RegularExpressions;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>
/// Workloads on simulated nodes: <c>bosun server</c> (controllers and scheduler in-process, node grace period 8 s)
/// with <c>bosun simulate-nodes --count 3</c> as a child process, driven only through the real kubectl. Tests in a
/// class run one after another; each uses its own namespace and undoes what it does to nodes.
/// </summary>
[Trait("Category", "E2E")]
public sealed class SimulatedClusterTests(SimulatedClusterFixture fixture) : IClassFixture<SimulatedClusterFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private Kubectl Kubectl => fixture.Kubectl;

    [Fact]
    public async Task CreateDeployment_RolloutStatusSucceeds_PodsRunOnSimulatedNodesWithIps()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-deploy");
        Assert.Contains("deployment.apps/myapp created",
            (await Kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=3", "-n", ns)).Ok().Stdout);

        await RolloutStatusAsync(ns, "deployment/myapp");

        var pods = await WaitRunningPodsAsync(ns, "app=myapp", 3);
        Assert.All(pods, p =>
        {
            Assert.Matches("^sim-[0-2]$", p.Node);
            Assert.Matches(@"^10\.244\.\d+\.\d+$", p.Ip);
        });
        var wide = (await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", "app=myapp", "-o", "wide")).Ok();
        Assert.Equal(3, wide.Lines.Count(l => Regex.IsMatch(l, @"^myapp-\S+\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+sim-[0-2]\s")));
    }

    [Fact]
    public async Task ScaleSetImageHistoryUndo_RollsBackToV1AsRevision3()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-rollout");
        (await Kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=3", "-n", ns)).Ok();
        await RolloutStatusAsync(ns, "deployment/myapp");

        Assert.Contains("deployment.apps/myapp scaled", (await Kubectl.RunAsync("scale", "deployment/myapp", "--replicas=5", "-n", ns)).Ok().Stdout);
        await WaitRunningPodsAsync(ns, "app=myapp", 5);

        Assert.Contains("deployment.apps/myapp image updated",
            (await Kubectl.RunAsync("set", "image", "deployment/myapp", "myapp=ikubernetes/myapp:v2", "-n", ns)).Ok().Stdout);
        await RolloutStatusAsync(ns, "deployment/myapp");
        var v2 = await WaitRunningPodsAsync(ns, "app=myapp", 5);
        Assert.All(v2, p => Assert.Equal("ikubernetes/myapp:v2", p.Image));

        var history = (await Kubectl.RunAsync("rollout", "history", "deployment/myapp", "-n", ns)).Ok();
        Assert.Contains("REVISION  CHANGE-CAUSE", history.Stdout);
        Assert.Equal(["1", "2"], history.Lines.Where(l => Regex.IsMatch(l, @"^\d+\s")).Select(l => l.Split(' ')[0]).ToArray());

        Assert.Contains("deployment.apps/myapp rolled back", (await Kubectl.RunAsync("rollout", "undo", "deployment/myapp", "-n", ns)).Ok().Stdout);
        await RolloutStatusAsync(ns, "deployment/myapp");
        await UntilAsync(async () =>
        {
            var d = (await Kubectl.RunAsync("get", "deployment", "myapp", "-n", ns, "-o", "json")).Ok().Json;
            var image = d.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0].GetProperty("image").GetString();
            var revision = d.GetProperty("metadata").GetProperty("annotations").TryGetProperty("deployment.kubernetes.io/revision", out var r) ? r.GetString() : null;
            return (image == "ikubernetes/myapp:v1" && revision == "3", $"image {image}, revision {revision}");
        }, "the deployment back on v1 at revision 3");
        var v1 = await WaitRunningPodsAsync(ns, "app=myapp", 5);
        Assert.All(v1, p => Assert.Equal("ikubernetes/myapp:v1", p.Image));
    }

    [Fact]
    public async Task DaemonSet_OnePodPerNode()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-ds");
        Assert.Contains("daemonset.apps/agent created", (await Kubectl.RunWithInputAsync($$"""
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: { name: agent, namespace: {{ns}} }
            spec:
              selector: { matchLabels: { app: agent } }
              template:
                metadata: { labels: { app: agent } }
                spec:
                  containers: [{ name: agent, image: busybox:latest }]
            """, "create", "-f", "-")).Ok().Stdout);

        await RolloutStatusAsync(ns, "daemonset/agent");
        var pods = await WaitRunningPodsAsync(ns, "app=agent", 3);
        Assert.Equal(SimulatedClusterFixture.NodeNames, pods.Select(p => p.Node).Order().ToArray());
        var ds = (await Kubectl.RunAsync("get", "daemonset", "agent", "-n", ns)).Ok();
        Assert.Matches(@"^agent\s+3\s+3\s+3\s+3\s+3\s", ds.Lines[1]);

        (await Kubectl.RunAsync("delete", "daemonset", "agent", "-n", ns)).Ok();
    }

    [Fact]
    public async Task Job_WithSimulatedExitCode_Completes()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-job");
        (await Kubectl.RunWithInputAsync($$"""
            apiVersion: batch/v1
            kind: Job
            metadata: { name: three, namespace: {{ns}} }
            spec:
              completions: 3
              parallelism: 2
              template:
                metadata:
                  annotations:
                    sim.bosun.dev/exit-code: "0"
                    sim.bosun.dev/run-seconds: "1"
                spec:
                  restartPolicy: Never
                  containers: [{ name: main, image: busybox:latest }]
            """, "create", "-f", "-")).Ok();

        var wait = (await Kubectl.RunAsync(["wait", "--for=condition=complete", "job/three", "-n", ns, "--timeout=60s"], null, TimeSpan.FromSeconds(70))).Ok();
        Assert.Contains("job.batch/three condition met", wait.Stdout);
        var job = (await Kubectl.RunAsync("get", "job", "three", "-n", ns, "-o", "json")).Ok().Json;
        Assert.Equal(3, job.GetProperty("status").GetProperty("succeeded").GetInt32());
        var pods = (await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", "job-name=three", "--no-headers")).Ok();
        Assert.Equal(3, pods.Lines.Count(l => Regex.IsMatch(l, @"^three-\S+\s+0/1\s+Completed\s+0\s")));
    }

    /// <summary>
    /// SLOW (up to ~65 s): a <c>*/1</c> schedule first fires at the next minute boundary, so this waits for the
    /// CronJob controller's first scheduled minute — a Job owned by the CronJob and <c>status.lastScheduleTime</c>.
    /// </summary>
    [Fact]
    public async Task CronJob_EveryMinute_CreatesAJobInItsFirstScheduledMinute()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-cron");
        Assert.Contains("cronjob.batch/tick created", (await Kubectl.RunWithInputAsync($$"""
            apiVersion: batch/v1
            kind: CronJob
            metadata: { name: tick, namespace: {{ns}} }
            spec:
              schedule: "*/1 * * * *"
              jobTemplate:
                spec:
                  template:
                    metadata:
                      annotations: { sim.bosun.dev/exit-code: "0" }
                    spec:
                      restartPolicy: Never
                      containers: [{ name: tick, image: busybox:latest }]
            """, "create", "-f", "-")).Ok().Stdout);

        await UntilAsync(async () =>
        {
            var jobs = (await Kubectl.RunAsync("get", "jobs", "-n", ns, "-o", "json")).Ok().Json.GetProperty("items");
            var owned = jobs.EnumerateArray().Count(j => j.GetProperty("metadata").TryGetProperty("ownerReferences", out var o)
                && o.EnumerateArray().Any(r => r.GetProperty("kind").GetString() == "CronJob" && r.GetProperty("name").GetString() == "tick"));
            return (owned >= 1, $"{owned} jobs owned by cronjob/tick");
        }, "a Job created by cronjob/tick", TimeSpan.FromSeconds(75));

        await UntilAsync(async () =>
        {
            var cj = (await Kubectl.RunAsync("get", "cronjob", "tick", "-n", ns, "-o", "json")).Ok().Json;
            var last = cj.GetProperty("status").TryGetProperty("lastScheduleTime", out var t) ? t.GetString() : null;
            return (last is not null && last.EndsWith(":00Z", StringComparison.Ordinal), $"lastScheduleTime {last}");
        }, "cronjob/tick status.lastScheduleTime on a minute boundary");
        (await Kubectl.RunAsync("delete", "cronjob", "tick", "-n", ns)).Ok();
    }

    /*
        Testname: Self-healing, deleted pod
        Description: A pod of a Deployment that is deleted MUST be replaced by a new pod, so the Deployment again
        has its desired number of Running pods.
    */
    [Fact]
    public async Task DeletePodOfDeployment_IsReplacedByANewPod()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-heal");
        (await Kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=2", "-n", ns)).Ok();
        await RolloutStatusAsync(ns, "deployment/myapp");
        var before = await WaitRunningPodsAsync(ns, "app=myapp", 2);

        (await Kubectl.RunAsync("delete", "pod", before[0].Name, "-n", ns, "--wait=false")).Ok();

        await UntilAsync(async () =>
        {
            var rows = (await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", "app=myapp", "--no-headers")).Ok().Lines;
            var running = rows.Where(l => Regex.IsMatch(l, @"\s1/1\s+Running\s")).Select(l => l.Split(' ')[0]).ToList();
            return (running.Count == 2 && !running.Contains(before[0].Name), string.Join(", ", rows));
        }, "two Running pods, the deleted one replaced");
    }

    [Fact]
    public async Task DeleteDeployment_RemovesItsReplicaSetsAndPods()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-delete");
        (await Kubectl.RunAsync("create", "deployment", "myapp", "--image=ikubernetes/myapp:v1", "--replicas=3", "-n", ns)).Ok();
        await RolloutStatusAsync(ns, "deployment/myapp");
        await WaitRunningPodsAsync(ns, "app=myapp", 3);
        Assert.Single((await Kubectl.RunAsync("get", "rs", "-n", ns, "-o", "name")).Ok().Lines);

        Assert.Contains("deployment.apps \"myapp\" deleted", (await Kubectl.RunAsync("delete", "deployment", "myapp", "-n", ns)).Ok().Stdout);

        await UntilAsync(async () =>
        {
            var left = (await Kubectl.RunAsync("get", "deployments,replicasets,pods", "-n", ns, "-o", "name")).Ok();
            return (left.Lines.Length == 0, string.Join(", ", left.Lines));
        }, "no deployments, replicasets or pods left");
        Assert.Contains("No resources found", (await Kubectl.RunAsync("get", "rs,pods", "-n", ns)).Ok().Stderr);
    }

    [Fact]
    public async Task Cordon_NewDeploymentAvoidsCordonedNode()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-cordon");
        Assert.Contains("node/sim-0 cordoned", (await Kubectl.RunAsync("cordon", "sim-0")).Ok().Stdout);
        try
        {
            var node = (await Kubectl.RunAsync("get", "node", "sim-0")).Ok();
            Assert.Matches(@"^sim-0\s+Ready,SchedulingDisabled\s", node.Lines[1]);

            (await Kubectl.RunAsync("create", "deployment", "spread", "--image=ikubernetes/myapp:v1", "--replicas=6", "-n", ns)).Ok();
            await RolloutStatusAsync(ns, "deployment/spread");
            var pods = await WaitRunningPodsAsync(ns, "app=spread", 6);
            Assert.All(pods, p => Assert.NotEqual("sim-0", p.Node));
            Assert.Equal(["sim-1", "sim-2"], pods.Select(p => p.Node).Distinct().Order().ToArray());
        }
        finally
        {
            Assert.Contains("node/sim-0 uncordoned", (await Kubectl.RunAsync("uncordon", "sim-0")).Ok().Stdout);
        }
        Assert.Matches(@"^sim-0\s+Ready\s", (await Kubectl.RunAsync("get", "node", "sim-0")).Ok().Lines[1]);
    }

    [Fact]
    public async Task NodeSelector_PendingWithFailedScheduling_RunsAfterNodeIsLabelled()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-selector");
        (await Kubectl.RunWithInputAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: { name: needs-ssd, namespace: {{ns}} }
            spec:
              nodeSelector: { disktype: ssd }
              containers: [{ name: main, image: busybox:latest }]
            """, "create", "-f", "-")).Ok();
        try
        {
            const string message = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.";
            await UntilAsync(async () =>
            {
                var events = (await Kubectl.RunAsync("get", "events", "-n", ns)).Ok();
                return (events.Lines.Any(l => Regex.IsMatch(l, @"\sWarning\s+FailedScheduling\s+pod/needs-ssd\s") && l.Contains(message)), events.Stdout);
            }, "a FailedScheduling event for pod/needs-ssd");
            var describe = (await Kubectl.RunAsync("describe", "pod", "needs-ssd", "-n", ns)).Ok();
            Assert.Matches(@"Status:\s+Pending", describe.Stdout);
            Assert.Matches(@"Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity/selector\.", describe.Stdout);
            Assert.Matches(@"^needs-ssd\s+0/1\s+Pending\s", (await Kubectl.RunAsync("get", "pod", "needs-ssd", "-n", ns)).Ok().Lines[1]);

            Assert.Contains("node/sim-1 labeled", (await Kubectl.RunAsync("label", "node", "sim-1", "disktype=ssd")).Ok().Stdout);
            await UntilAsync(async () =>
            {
                var pod = (await Kubectl.RunAsync("get", "pod", "needs-ssd", "-n", ns, "-o", "wide")).Ok();
                return (Regex.IsMatch(pod.Lines[1], @"^needs-ssd\s+1/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+sim-1\s"), pod.Stdout);
            }, "pod/needs-ssd Running on sim-1");
        }
        finally
        {
            (await Kubectl.RunAsync("label", "node", "sim-1", "disktype-")).Ok();
        }
    }

    [Fact]
    public async Task NodeFailure_NodeNotReadyAndItsPodsRecreatedElsewhere()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-failure");
        await using var lost = fixture.StartNodes(1, "lost-");
        try
        {
            await fixture.WaitNodesReadyAsync(["lost-0"], TimeSpan.FromSeconds(30));
            PodRow[] before;

            // Only lost-0 takes new pods while the deployment is created, so its pods all start there.
            foreach (var n in SimulatedClusterFixture.NodeNames) (await Kubectl.RunAsync("cordon", n)).Ok();
            try
            {
                (await Kubectl.RunWithInputAsync($$"""
                    apiVersion: apps/v1
                    kind: Deployment
                    metadata: { name: survivor, namespace: {{ns}} }
                    spec:
                      replicas: 2
                      selector: { matchLabels: { app: survivor } }
                      template:
                        metadata: { labels: { app: survivor } }
                        spec:
                          tolerations:
                          - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2 }
                          - { key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2 }
                          containers: [{ name: main, image: ikubernetes/myapp:v1 }]
                    """, "create", "-f", "-")).Ok();
                await RolloutStatusAsync(ns, "deployment/survivor");
                before = await WaitRunningPodsAsync(ns, "app=survivor", 2);
                Assert.All(before, p => Assert.Equal("lost-0", p.Node));
            }
            finally
            {
                foreach (var n in SimulatedClusterFixture.NodeNames) (await Kubectl.RunAsync("uncordon", n)).Ok();
            }

            await lost.KillAsync();
            var killedAt = DateTime.UtcNow;
            await UntilAsync(async () =>
            {
                var node = (await Kubectl.RunAsync("get", "node", "lost-0")).Ok();
                return (Regex.IsMatch(node.Lines[1], @"^lost-0\s+NotReady\s"), node.Stdout);
            }, "lost-0 NotReady", TimeSpan.FromSeconds(SimulatedClusterFixture.GracePeriodSeconds + 20));
            var notReadyAfter = DateTime.UtcNow - killedAt;
            Assert.True(notReadyAfter >= TimeSpan.FromSeconds(SimulatedClusterFixture.GracePeriodSeconds - 2),
                $"lost-0 NotReady {notReadyAfter.TotalSeconds:0.#}s after its heartbeats stopped, before the {SimulatedClusterFixture.GracePeriodSeconds}s grace period");

            // The taint manager evicts them after tolerationSeconds; the ReplicaSet replaces them on the live nodes.
            var after = await WaitRunningPodsAsync(ns, "app=survivor", 2, TimeSpan.FromSeconds(40), onNode: n => n.StartsWith("sim-", StringComparison.Ordinal));
            Assert.All(after, p => Assert.Matches("^sim-[0-2]$", p.Node));
            Assert.DoesNotContain(after, p => before.Any(b => b.Name == p.Name));
            var taints = (await Kubectl.RunAsync("get", "node", "lost-0", "-o", "jsonpath={.spec.taints[*].key}")).Ok().Stdout;
            Assert.Contains("node.kubernetes.io/unreachable", taints);
        }
        finally
        {
            await lost.KillAsync();
            await Kubectl.RunAsync("delete", "node", "lost-0", "--ignore-not-found");
        }
    }

    [Fact]
    public async Task Autoscale_ScalesUpOnSimulatedUsageAndBackDown()
    {
        var ns = await fixture.CreateNamespaceAsync("sim-hpa");
        (await Kubectl.RunWithInputAsync($$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: web, namespace: {{ns}} }
            spec:
              replicas: 2
              selector: { matchLabels: { app: web } }
              template:
                metadata:
                  labels: { app: web }
                  annotations: { sim.bosun.dev/usage: "cpu=200m,memory=32Mi" }
                spec:
                  containers:
                  - name: web
                    image: ikubernetes/myapp:v1
                    resources: { requests: { cpu: 100m } }
            """, "create", "-f", "-")).Ok();
        await RolloutStatusAsync(ns, "deployment/web");

        Assert.Contains("horizontalpodautoscaler.autoscaling/web autoscaled",
            (await Kubectl.RunAsync("autoscale", "deployment", "web", "--min=2", "--max=6", "--cpu-percent=60", "-n", ns)).Ok().Stdout);

        await UntilAsync(async () =>
        {
            var top = await Kubectl.RunAsync("top", "pod", "-n", ns);
            return (top.ExitCode == 0 && top.Lines.Length >= 3 && top.Lines[0].StartsWith("NAME", StringComparison.Ordinal)
                && top.Lines.Skip(1).All(l => Regex.IsMatch(l, @"^web-\S+\s+200m\s+32Mi\s*$")), top.ToString());
        }, "kubectl top pod showing 200m / 32Mi per web pod");

        await UntilAsync(async () =>
        {
            var replicas = await DeploymentReplicasAsync(ns, "web");
            return (replicas > 2, $"spec.replicas {replicas}");
        }, "the HPA to scale web above 2 replicas", TimeSpan.FromSeconds(60));
        await UntilAsync(async () =>
        {
            var hpa = (await Kubectl.RunAsync("get", "hpa", "web", "-n", ns)).Ok();
            return (Regex.IsMatch(hpa.Lines[1], @"^web\s+Deployment/web\s+cpu: 200%/60%\s+2\s+6\s+[3-6]\s"), hpa.Stdout);
        }, "kubectl get hpa showing cpu 200%/60%");

        (await Kubectl.RunAsync("patch", "hpa", "web", "-n", ns, "--type=merge", "-p", """{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}}}""")).Ok();
        (await Kubectl.RunAsync("patch", "deployment", "web", "-n", ns, "--type=merge", "-p",
            """{"spec":{"template":{"metadata":{"annotations":{"sim.bosun.dev/usage":"cpu=10m,memory=32Mi"}}}}}""")).Ok();

        await UntilAsync(async () =>
        {
            var replicas = await DeploymentReplicasAsync(ns, "web");
            return (replicas == 2, $"spec.replicas {replicas}");
        }, "the HPA to scale web back down to 2 replicas", TimeSpan.FromSeconds(90));
    }

    private sealed record PodRow(string Name, string Node, string Ip, string Image);

    private async Task<int> DeploymentReplicasAsync(string ns, string name) =>
        (await Kubectl.RunAsync("get", "deployment", name, "-n", ns, "-o", "json")).Ok().Json.GetProperty("spec").GetProperty("replicas").GetInt32();

    private async Task RolloutStatusAsync(string ns, string target)
    {
        var result = (await Kubectl.RunAsync(["rollout", "status", target, "-n", ns, "--timeout=90s"], null, TimeSpan.FromSeconds(100))).Ok();
        Assert.Contains("successfully rolled out", result.Stdout);
    }

    /// <summary>
    /// Polls until exactly <paramref name="count"/> pods match that are not terminating, all Running (and on a node
    /// <paramref name="onNode"/> accepts, when given); returns them.
    /// </summary>
    private async Task<PodRow[]> WaitRunningPodsAsync(string ns, string selector, int count, TimeSpan? timeout = null, Func<string, bool>? onNode = null)
    {
        PodRow[] rows = [];
        await UntilAsync(async () =>
        {
            var items = (await Kubectl.RunAsync("get", "pods", "-n", ns, "-l", selector, "-o", "json")).Ok().Json.GetProperty("items");
            var all = items.EnumerateArray().ToArray();
            var live = all.Where(p => !p.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _)).ToArray();
            rows = live.Where(p => Str(p, "status", "phase") == "Running" && (onNode is null || onNode(Str(p, "spec", "nodeName") ?? "")))
                .Select(p => new PodRow(Str(p, "metadata", "name")!, Str(p, "spec", "nodeName") ?? "", Str(p, "status", "podIP") ?? "",
                    p.GetProperty("spec").GetProperty("containers")[0].GetProperty("image").GetString()!))
                .ToArray();
            return (live.Length == count && rows.Length == count,
                string.Join("\n", all.Select(p => $"{Str(p, "metadata", "name")} {Str(p, "status", "phase")} {Str(p, "spec", "nodeName")} deleting={p.GetProperty("metadata").TryGetProperty("deletionTimestamp", out _)}")));
        }, $"{count} Running pods {selector} in {ns}", timeout);
        return rows;
    }

    private static string? Str(JsonElement e, string a, string b) =>
        e.TryGetProperty(a, out var x) && x.TryGetProperty(b, out var y) && y.ValueKind == JsonValueKind.String ? y.GetString() : null;

    /// <summary>Polls <paramref name="check"/> until it holds; the timeout message carries its last observation.</summary>
    private static async Task UntilAsync(Func<Task<(bool Done, string Observed)>> check, string what, TimeSpan? timeout = null)
    {
        var last = "";
        try
        {
            await Poll.UntilAsync(async () =>
            {
                (var done, last) = await check();
                return done;
            }, timeout ?? Timeout, what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nlast observed:\n{last}");
        }
    }
}
