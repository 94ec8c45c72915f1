using Bosun.Controllers.NodeLifecycle;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>Node heartbeats, unreachable taints and NoExecute evictions, on a fake clock.</summary>
public sealed class NodeLifecycleControllerTests
{
    private static async Task<(ControllerFixture F, NodeLifecycleController C)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        // Whole seconds: taint timeAdded is stored to the second.
        var now = f.Time.GetUtcNow();
        f.Time.SetUtcNow(new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1));
        var c = f.Add(new NodeLifecycleController(f.Context, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(5)));
        await f.StartInformersAsync();
        return (f, c);
    }

    /// <summary>What a kubelet does on registration: a Ready node and its Lease.</summary>
    private static async Task CreateReadyNodeAsync(ControllerFixture f, string name, List<V1Taint>? taints = null)
    {
        var node = await f.Api.CreateAsync(null, new V1Node
        {
            ApiVersion = "v1", Kind = "Node",
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1NodeSpec { Taints = taints },
        }, f.Ct);
        await PostReadyAsync(f, name);
        await f.Api.CreateAsync(NodeLifecycleController.LeaseNamespace, new V1Lease
        {
            ApiVersion = "coordination.k8s.io/v1", Kind = "Lease",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = NodeLifecycleController.LeaseNamespace },
            Spec = new V1LeaseSpec { HolderIdentity = name, LeaseDurationSeconds = 40, RenewTime = f.Time.GetUtcNow().UtcDateTime },
        }, f.Ct);
        await f.SettleAsync();
    }

    private static async Task PostReadyAsync(ControllerFixture f, string name)
    {
        var node = await f.Api.GetAsync<V1Node>(null, name, f.Ct);
        var now = f.Time.GetUtcNow().UtcDateTime;
        node.Status = new V1NodeStatus
        {
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status", LastHeartbeatTime = now, LastTransitionTime = now }],
        };
        await f.Api.UpdateStatusAsync(null, name, node, f.Ct);
    }

    private static async Task RenewLeaseAsync(ControllerFixture f, string name)
    {
        var lease = await f.Api.GetAsync<V1Lease>(NodeLifecycleController.LeaseNamespace, name, f.Ct);
        lease.Spec.RenewTime = f.Time.GetUtcNow().UtcDateTime;
        await f.Api.UpdateAsync(NodeLifecycleController.LeaseNamespace, name, lease, f.Ct);
        await f.SettleAsync();
    }

    private static async Task<V1Pod> CreatePodOnAsync(ControllerFixture f, string name, string node, List<V1Toleration>? tolerations = null)
    {
        var pod = Build.Pod(name, new() { ["app"] = name });
        pod.Spec.NodeName = node;
        pod.Spec.Tolerations = tolerations;
        return await f.Api.CreateAsync("default", pod, f.Ct);
    }

    private static async Task<bool> EvictedAsync(ControllerFixture f, string name) =>
        await f.Api.TryGetAsync<V1Pod>("default", name, f.Ct) is not { Metadata.DeletionTimestamp: null };

    private static string Taints(V1Node n) => string.Join(",", (n.Spec?.Taints ?? []).Select(t => $"{t.Key}:{t.Effect}").Order());

    [Fact]
    public async Task Reconcile_LeaseNotRenewedForGracePeriod_NodeUnknownAndTaintedUnreachable()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await CreateReadyNodeAsync(f, "n1");
        await f.MarkReadyAsync(await CreatePodOnAsync(f, "web", "n1"));
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "n1");

        f.Time.Advance(TimeSpan.FromSeconds(30));
        await RenewLeaseAsync(f, "n1");
        await f.ReconcileAsync(c, "", "n1");
        f.Time.Advance(TimeSpan.FromSeconds(35));   // 65 s since the start, 35 s since the renewal
        await f.ReconcileAsync(c, "", "n1");
        var healthy = await f.Api.GetAsync<V1Node>(null, "n1", f.Ct);

        f.Time.Advance(TimeSpan.FromSeconds(6));    // 41 s since the renewal
        var result = await f.ReconcileAsync(c, "", "n1");

        Assert.Equal("True", healthy.Status.Conditions.Single(x => x.Type == "Ready").Status);
        Assert.Equal("", Taints(healthy));
        var node = await f.Api.GetAsync<V1Node>(null, "n1", f.Ct);
        var ready = node.Status.Conditions.Single(x => x.Type == "Ready");
        Assert.Equal(("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal("node.kubernetes.io/unreachable:NoExecute,node.kubernetes.io/unreachable:NoSchedule", Taints(node));
        Assert.All(node.Spec.Taints, t => Assert.NotNull(t.TimeAdded));
        Assert.NotNull(result.RequeueAfter);
        var podReady = (await f.Api.GetAsync<V1Pod>("default", "web", f.Ct)).Status.Conditions.Single(x => x.Type == "Ready");
        Assert.Equal(("False", "NodeLost"), (podReady.Status, podReady.Reason));
    }

    [Fact]
    public async Task Reconcile_PodWithDefaultToleration_DeletedAfter300Seconds()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await CreateReadyNodeAsync(f, "n1");
        var pod = await CreatePodOnAsync(f, "web", "n1");
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "n1");
        f.Time.Advance(TimeSpan.FromSeconds(41));
        await f.ReconcileAsync(c, "", "n1");   // tainted now

        f.Time.Advance(TimeSpan.FromSeconds(290));
        var early = await f.ReconcileAsync(c, "", "n1");
        var stillThere = !await EvictedAsync(f, "web");
        f.Time.Advance(TimeSpan.FromSeconds(10));
        await f.ReconcileAsync(c, "", "n1");

        Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unreachable" && t.TolerationSeconds == 300);
        Assert.True(stillThere);
        Assert.True(early.RequeueAfter <= TimeSpan.FromSeconds(10));
        Assert.True(await EvictedAsync(f, "web"));
    }

    [Fact]
    public async Task Reconcile_PodNotToleratingNoExecuteTaint_DeletedAtOnce()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await CreateReadyNodeAsync(f, "n1", [new V1Taint { Key = "dedicated", Value = "db", Effect = "NoExecute" }]);
        await CreatePodOnAsync(f, "intruder", "n1");
        await CreatePodOnAsync(f, "db", "n1", [new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db", Effect = "NoExecute" }]);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "", "n1");

        Assert.True(await EvictedAsync(f, "intruder"));
        Assert.False(await EvictedAsync(f, "db"));
    }

    [Fact]
    public async Task Reconcile_NodeRecovers_TaintsRemovedAndPodsKept()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await CreateReadyNodeAsync(f, "n1");
        await CreatePodOnAsync(f, "web", "n1");
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "n1");
        f.Time.Advance(TimeSpan.FromSeconds(50));
        await f.ReconcileAsync(c, "", "n1");
        var down = await f.Api.GetAsync<V1Node>(null, "n1", f.Ct);

        f.Time.Advance(TimeSpan.FromSeconds(10));
        await RenewLeaseAsync(f, "n1");
        await PostReadyAsync(f, "n1");
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "n1");
        f.Time.Advance(TimeSpan.FromSeconds(400));   // past the toleration: no eviction once the taint is gone
        await RenewLeaseAsync(f, "n1");
        await PostReadyAsync(f, "n1");
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "n1");

        Assert.Equal(2, down.Spec.Taints.Count);
        var node = await f.Api.GetAsync<V1Node>(null, "n1", f.Ct);
        Assert.Equal("", Taints(node));
        Assert.Equal("True", node.Status.Conditions.Single(x => x.Type == "Ready").Status);
        Assert.False(await EvictedAsync(f, "web"));
    }

    [Fact]
    public async Task Reconcile_KubeletPostsReadyFalse_TaintedNotReady()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await CreateReadyNodeAsync(f, "n1");
        var live = await f.Api.GetAsync<V1Node>(null, "n1", f.Ct);
        live.Status.Conditions[0].Status = "False";
        live.Status.Conditions[0].Reason = "KubeletNotReady";
        await f.Api.UpdateStatusAsync(null, "n1", live, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "", "n1");

        var node = await f.Api.GetAsync<V1Node>(null, "n1", f.Ct);
        Assert.Equal("node.kubernetes.io/not-ready:NoExecute,node.kubernetes.io/not-ready:NoSchedule", Taints(node));
        Assert.Equal("False", node.Status.Conditions.Single(x => x.Type == "Ready").Status);
    }

    [Fact]
    public void EvictionTime_ShortestOfMatchingTolerations_Wins()
    {
        var at = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var taints = new List<V1Taint> { new() { Key = "node.kubernetes.io/unreachable", Effect = "NoExecute", TimeAdded = at } };
        var forever = new V1Pod { Spec = new V1PodSpec { Tolerations = [new V1Toleration { OperatorProperty = "Exists" }] } };
        var sixty = new V1Pod { Spec = new V1PodSpec { Tolerations = [new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 60 }] } };

        Assert.Null(NodeLifecycle.Taints.EvictionTime(forever, taints, DateTimeOffset.UtcNow));
        Assert.Equal(new DateTimeOffset(at.AddSeconds(60)), NodeLifecycle.Taints.EvictionTime(sixty, taints, DateTimeOffset.UtcNow));
    }
}
