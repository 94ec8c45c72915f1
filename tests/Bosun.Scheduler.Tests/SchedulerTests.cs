using Bosun.Client;
using Bosun.SimulatedNodes;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Scheduler.Tests;

/// <summary>The whole scheduler against a real API server, with simulated nodes playing the kubelets.</summary>
[Trait("Category", "Integration")]
public sealed class SchedulerTests : IAsyncLifetime
{
    private readonly CancellationTokenSource stop = new();
    private TestCluster cluster = null!;
    private Task running = Task.CompletedTask;

    private ApiClient Api => cluster.Api;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        cluster = await TestCluster.StartAsync();
        var nodes = new SimulatedNodes.SimulatedNodes(Api, new SimulatedNodesOptions { Count = 3, Cpu = "2", Memory = "4Gi", Workers = 4 }, NullLoggerFactory.Instance);
        await nodes.RegisterAsync(Ct);
        running = Task.WhenAll(nodes.RunAsync(stop.Token), StartScheduler());
    }

    /// <summary>Overridden by the leader-election test.</summary>
    private Task StartScheduler() =>
        new Scheduler(Api, NullLoggerFactory.Instance, options: new SchedulerOptions { Seed = 1 }).RunSchedulingAsync(stop.Token);

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        try { await running.WaitAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
        await cluster.DisposeAsync();
    }

    private Task<V1Pod> CreatePodAsync(string name, string? cpu = null, Dictionary<string, string>? nodeSelector = null) =>
        Api.CreateAsync("default", new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                NodeSelector = nodeSelector,
                Containers =
                [
                    new V1Container
                    {
                        Name = "app",
                        Image = "nginx:1.27",
                        Resources = cpu is null ? null : new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) } },
                    },
                ],
            },
        }, Ct);

    private async Task<List<V1Pod>> PodsAsync() => (await Api.ListAsync<V1PodList>(typeof(V1Pod), "default", ListQuery.Everything, Ct)).Items.ToList();

    private async Task<List<Corev1Event>> EventsAsync(string pod, string reason) =>
        (await Api.ListAsync<Corev1EventList>(typeof(Corev1Event), "default", ListQuery.Everything, Ct)).Items
            .Where(e => e.InvolvedObject.Name == pod && e.Reason == reason).ToList();

    private Task CordonAsync(string node) => PatchNodeAsync(node, """{"spec":{"unschedulable":true}}""");

    /// <summary>Merge-patches a node, retrying when a heartbeat wins the race.</summary>
    private async Task PatchNodeAsync(string node, string patch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Api.PatchAsync<V1Node>(null, node, "application/merge-patch+json", patch, Ct);
                return;
            }
            catch (ApiException e) when (e.IsConflict && attempt < 10)
            {
            }
        }
    }

    [Fact]
    public async Task Schedule_PendingPods_AreBoundAndRunOnSimulatedNodes()
    {
        for (var i = 0; i < 6; i++) await CreatePodAsync($"web-{i}", cpu: "100m");

        await TestCluster.EventuallyAsync(async () => (await PodsAsync()).Count(p => p.Status?.Phase == "Running") == 6, because: "all pods running");

        var pods = await PodsAsync();
        Assert.All(pods, p => Assert.StartsWith("sim-", p.Spec.NodeName));
        Assert.All(pods, p => Assert.StartsWith("10.244.", p.Status.PodIP));   // no podCIDR: the shared pool
        Assert.All(pods, p => Assert.Contains(p.Status.Conditions, c => c.Type == "PodScheduled" && c.Status == "True"));
        Assert.Equal(3, pods.Select(p => p.Spec.NodeName).Distinct().Count());   // LeastAllocated spreads them
        Assert.NotEmpty(await EventsAsync("web-0", "Scheduled"));
    }

    [Fact]
    public async Task Schedule_MoreCpuThanNodesHave_LastPodStaysPendingWithEvent()
    {
        for (var i = 0; i < 6; i++) await CreatePodAsync($"big-{i}", cpu: "1");
        await TestCluster.EventuallyAsync(async () => (await PodsAsync()).Count(p => p.Spec.NodeName is not null) == 6, because: "six pods bound");

        await CreatePodAsync("one-too-many", cpu: "1");

        const string expected = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..";
        await TestCluster.EventuallyAsync(async () => (await EventsAsync("one-too-many", "FailedScheduling")).Any(e => e.Message == expected),
            because: "FailedScheduling event");
        var pod = await Api.GetAsync<V1Pod>("default", "one-too-many", Ct);
        Assert.Null(pod.Spec.NodeName);
        var perNode = (await PodsAsync()).Where(p => p.Spec.NodeName is not null).GroupBy(p => p.Spec.NodeName).Select(g => g.Count());
        Assert.All(perNode, n => Assert.Equal(2, n));

        await Api.DeleteAsync<V1Pod>("default", "big-0", Ct);   // frees a cpu: the pending pod fits now
        await TestCluster.EventuallyAsync(async () => (await Api.GetAsync<V1Pod>("default", "one-too-many", Ct)).Spec.NodeName is not null,
            because: "pending pod bound after a delete");
    }

    [Fact]
    public async Task Schedule_NodeSelectorWithoutMatch_PendingUntilNodeLabelled()
    {
        await CordonAsync("sim-0");
        await Task.Delay(200);
        await CreatePodAsync("picky", nodeSelector: new Dictionary<string, string> { ["disk"] = "ssd" });

        const string expected = "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. " +
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..";
        await TestCluster.EventuallyAsync(async () => (await EventsAsync("picky", "FailedScheduling")).Any(e => e.Message == expected),
            because: "FailedScheduling event with upstream wording");
        await TestCluster.EventuallyAsync(async () =>
            (await Api.GetAsync<V1Pod>("default", "picky", Ct)).Status?.Conditions?.Any(c =>
                c is { Type: "PodScheduled", Status: "False", Reason: "Unschedulable" } && c.Message == expected) == true,
            because: "PodScheduled=False condition");

        await PatchNodeAsync("sim-2", """{"metadata":{"labels":{"disk":"ssd"}}}""");

        await TestCluster.EventuallyAsync(async () => (await Api.GetAsync<V1Pod>("default", "picky", Ct)).Spec.NodeName == "sim-2",
            because: "bound once a node matches");
    }

    [Fact]
    public async Task Schedule_CordonedNode_GetsNoPods()
    {
        await CordonAsync("sim-1");
        await Task.Delay(200);
        for (var i = 0; i < 8; i++) await CreatePodAsync($"p-{i}", cpu: "100m");

        await TestCluster.EventuallyAsync(async () => (await PodsAsync()).Count(p => p.Spec.NodeName is not null) == 8, because: "all bound");

        Assert.DoesNotContain(await PodsAsync(), p => p.Spec.NodeName == "sim-1");
    }

    [Fact]
    public async Task Bind_PodAlreadyAssigned_Conflicts()
    {
        await CreatePodAsync("bound", cpu: "100m");
        await TestCluster.EventuallyAsync(async () => (await Api.GetAsync<V1Pod>("default", "bound", Ct)).Spec.NodeName is not null);
        var node = (await Api.GetAsync<V1Pod>("default", "bound", Ct)).Spec.NodeName;

        var e = await Assert.ThrowsAsync<ApiException>(() => Api.PostSubresourceAsync<V1Pod>("default", "bound", "binding",
            new V1Binding { Metadata = new V1ObjectMeta { Name = "bound" }, Target = new V1ObjectReference { Kind = "Node", Name = "other" } }, Ct));

        Assert.Equal(409, e.Code);
        Assert.Equal($"Operation cannot be fulfilled on pods/binding \"bound\": pod bound is already assigned to node \"{node}\"", e.Message);
    }
}
