using Bosun.Client;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.SimulatedNodes.Tests;

/// <summary>Simulated nodes against a real API server; pods are bound by hand through pods/binding.</summary>
[Trait("Category", "Integration")]
public sealed class SimulatedNodesTests : IAsyncLifetime
{
    private readonly CancellationTokenSource stop = new();
    private TestCluster cluster = null!;
    private SimulatedNodes nodes = null!;
    private Task running = Task.CompletedTask;

    private ApiClient Api => cluster.Api;
    private static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync()
    {
        cluster = await TestCluster.StartAsync();
        nodes = new SimulatedNodes(Api, new SimulatedNodesOptions
        {
            Count = 2,
            Cpu = "8",
            Memory = "32Gi",
            Pods = 50,
            AssignPodCidrs = true,
            LeaseRenewInterval = TimeSpan.FromMilliseconds(200),
            StatusHeartbeatInterval = TimeSpan.FromMilliseconds(300),
            MaxTerminationDelay = TimeSpan.FromMilliseconds(100),
        }, NullLoggerFactory.Instance);
        running = nodes.RunAsync(stop.Token);
        foreach (var name in nodes.NodeNames)
        {
            await TestCluster.EventuallyAsync(async () => await Api.TryGetAsync<V1Node>(null, name, Ct) is not null, because: "node registered");
            await TestCluster.EventuallyAsync(async () => await Api.TryGetAsync<V1Lease>("kube-node-lease", name, Ct) is not null, because: "lease created");
        }
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        try { await running.WaitAsync(TimeSpan.FromSeconds(10)); } catch (OperationCanceledException) { }
        await cluster.DisposeAsync();
    }

    private async Task<V1Pod> CreateBoundPodAsync(string name, string node, Dictionary<string, string>? annotations = null, string? restartPolicy = null)
    {
        await Api.CreateAsync("default", new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = annotations },
            Spec = new V1PodSpec
            {
                RestartPolicy = restartPolicy,
                InitContainers = [new V1Container { Name = "init", Image = "busybox:1.36" }],
                Containers = [new V1Container { Name = "app", Image = "nginx:1.27" }, new V1Container { Name = "sidecar", Image = "envoy:1.30" }],
            },
        }, Ct);
        await Api.PostSubresourceAsync<V1Pod>("default", name, "binding",
            new V1Binding { Metadata = new V1ObjectMeta { Name = name }, Target = new V1ObjectReference { Kind = "Node", Name = node } }, Ct);
        return await Api.GetAsync<V1Pod>("default", name, Ct);
    }

    private Task<V1Pod> PodAsync(string name) => Api.GetAsync<V1Pod>("default", name, Ct);

    [Fact]
    public async Task Register_Nodes_AreReadyWithCapacityAndLabels()
    {
        var node = await Api.GetAsync<V1Node>(null, "sim-0", Ct);

        Assert.Equal("sim-0", node.Metadata.Labels["kubernetes.io/hostname"]);
        Assert.Equal("simulated", node.Metadata.Labels["type"]);
        Assert.Equal("8", node.Status.Allocatable["cpu"].ToString());
        Assert.Equal("32Gi", node.Status.Capacity["memory"].ToString());
        Assert.Equal("50", node.Status.Allocatable["pods"].ToString());
        Assert.Contains(node.Status.Conditions, c => c is { Type: "Ready", Status: "True", Reason: "KubeletReady" });
        Assert.Contains(node.Status.Addresses, a => a.Type == "InternalIP");
        Assert.Equal("10.244.0.0/24", node.Spec.PodCIDR);
        Assert.Equal("linux", node.Status.NodeInfo.OperatingSystem);
    }

    [Fact]
    public async Task Heartbeats_RenewLeases_UntilStopped()
    {
        async Task<DateTime> RenewTime(string node) => (await Api.GetAsync<V1Lease>("kube-node-lease", node, Ct)).Spec.RenewTime!.Value;
        var first = await RenewTime("sim-0");
        await TestCluster.EventuallyAsync(async () => await RenewTime("sim-0") > first, because: "lease renewed");

        nodes.StopHeartbeats("sim-1");
        await Task.Delay(400);   // let a renewal in flight land
        var stopped = await RenewTime("sim-1");
        await Task.Delay(700);
        Assert.Equal(stopped, await RenewTime("sim-1"));

        nodes.ResumeHeartbeats("sim-1");
        await TestCluster.EventuallyAsync(async () => await RenewTime("sim-1") > stopped, because: "lease renewed after resume");
    }

    [Fact]
    public async Task Heartbeats_ReadyConditionHeartbeat_Advances()
    {
        async Task<DateTime?> Heartbeat() => (await Api.GetAsync<V1Node>(null, "sim-0", Ct)).Status.Conditions.Single(c => c.Type == "Ready").LastHeartbeatTime;
        var first = await Heartbeat();

        await TestCluster.EventuallyAsync(async () => await Heartbeat() > first, because: "Ready heartbeat");
    }

    [Fact]
    public async Task BoundPod_BecomesRunningAndReady_WithIpFromPodCidr()
    {
        await CreateBoundPodAsync("web", "sim-1");

        await TestCluster.EventuallyAsync(async () => (await PodAsync("web")).Status?.Phase == "Running", because: "pod running");

        var pod = await PodAsync("web");
        Assert.StartsWith("10.244.1.", pod.Status.PodIP);
        Assert.Equal(pod.Status.PodIP, pod.Status.PodIPs.Single().Ip);
        Assert.StartsWith("10.", pod.Status.HostIP);
        Assert.NotNull(pod.Status.StartTime);
        foreach (var type in (string[])["PodScheduled", "Initialized", "ContainersReady", "Ready"])
            Assert.Contains(pod.Status.Conditions, c => c.Type == type && c.Status == "True");
        Assert.Equal(2, pod.Status.ContainerStatuses.Count);
        Assert.All(pod.Status.ContainerStatuses, s =>
        {
            Assert.True(s.Ready);
            Assert.True(s.Started);
            Assert.NotNull(s.State.Running);
            Assert.StartsWith("sim://", s.ContainerID);
            Assert.Contains("@sha256:", s.ImageID);
        });
        Assert.Equal("nginx:1.27", pod.Status.ContainerStatuses.Single(c => c.Name == "app").Image);
        Assert.NotNull(pod.Status.InitContainerStatuses.Single().State.Terminated);
    }

    [Fact]
    public async Task BoundPod_WithExitAnnotations_Succeeds()
    {
        await CreateBoundPodAsync("job", "sim-0", new Dictionary<string, string>
        {
            [SimulatedAnnotations.ExitCode] = "0",
            [SimulatedAnnotations.RunSeconds] = "1",
        }, restartPolicy: "Never");

        await TestCluster.EventuallyAsync(async () => (await PodAsync("job")).Status?.Phase == "Running", because: "running first");
        await TestCluster.EventuallyAsync(async () => (await PodAsync("job")).Status?.Phase == "Succeeded", because: "then succeeded");

        var pod = await PodAsync("job");
        Assert.All(pod.Status.ContainerStatuses, s => Assert.Equal(0, s.State.Terminated.ExitCode));
        Assert.Contains(pod.Status.Conditions, c => c is { Type: "Ready", Status: "False", Reason: "PodCompleted" });
    }

    [Fact]
    public async Task BoundPod_WithNonZeroExit_Fails()
    {
        await CreateBoundPodAsync("broken", "sim-0", new Dictionary<string, string> { [SimulatedAnnotations.ExitCode] = "3" }, restartPolicy: "Never");

        await TestCluster.EventuallyAsync(async () => (await PodAsync("broken")).Status?.Phase == "Failed", because: "failed");

        var terminated = (await PodAsync("broken")).Status.ContainerStatuses[0].State.Terminated;
        Assert.Equal(3, terminated.ExitCode);
        Assert.Equal("Error", terminated.Reason);
    }

    [Fact]
    public async Task BoundPod_FailingWithRestartPolicyOnFailure_RestartsAndKeepsRunning()
    {
        await CreateBoundPodAsync("flaky", "sim-1", new Dictionary<string, string>
        {
            [SimulatedAnnotations.ExitCode] = "1",
            [SimulatedAnnotations.RunSeconds] = "0.3",
        }, restartPolicy: "OnFailure");

        await TestCluster.EventuallyAsync(async () => (await PodAsync("flaky")).Status?.ContainerStatuses?.Any(c => c.RestartCount >= 2) == true,
            because: "restarted twice");

        Assert.Equal("Running", (await PodAsync("flaky")).Status.Phase);
    }

    [Fact]
    public async Task DeletedPod_IsRemovedAfterGracePeriod()
    {
        await CreateBoundPodAsync("doomed", "sim-0");
        await TestCluster.EventuallyAsync(async () => (await PodAsync("doomed")).Status?.Phase == "Running", because: "running");

        await Api.DeleteAsync<V1Pod>("default", "doomed", Ct);
        Assert.NotNull((await PodAsync("doomed")).Metadata.DeletionTimestamp);   // bound pods wait for their node

        await TestCluster.EventuallyAsync(async () => await Api.TryGetAsync<V1Pod>("default", "doomed", Ct) is null, because: "removed by the node");
    }

    [Fact]
    public void ParseUsage_Annotation_ReadsQuantities()
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Annotations = new Dictionary<string, string> { [SimulatedAnnotations.Usage] = "cpu=200m, memory=64Mi,bogus" } } };

        var usage = SimulatedAnnotations.ParseUsage(pod);

        Assert.Equal(0.2m, usage["cpu"].ToDecimal());
        Assert.Equal(64m * 1024 * 1024, usage["memory"].ToDecimal());
        Assert.Equal(2, usage.Count);
    }
}
