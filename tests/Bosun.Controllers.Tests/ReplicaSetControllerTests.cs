using Bosun.Controllers.Common;
using Bosun.Controllers.ReplicaSets;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>The replica controller against a real API server, reconciling by hand.</summary>
public sealed class ReplicaSetControllerTests
{
    private static async Task<(ControllerFixture F, ReplicaSetController<V1ReplicaSet> C)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var c = f.Add(new ReplicaSetController<V1ReplicaSet>(f.Context, ReplicaKinds.ReplicaSets));
        await f.StartInformersAsync();
        return (f, c);
    }

    private static async Task<List<V1Pod>> OwnedAsync(ControllerFixture f, V1ReplicaSet rs) =>
        (await f.ListAsync<V1Pod>()).Where(p => Objects.IsControlledBy(p.Metadata, rs.Metadata)).ToList();

    [Fact]
    public async Task Reconcile_ScaledUp_CreatesPodsFromTemplateWithControllerRef()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var rs = await f.Api.CreateAsync("default", Build.ReplicaSet("web", 3), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "web");

        var pods = await OwnedAsync(f, rs);
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.StartsWith("web-", p.Metadata.Name);
            Assert.Equal("web", p.Metadata.Labels["app"]);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.True(owner.Controller);
            Assert.True(owner.BlockOwnerDeletion);
            Assert.Equal("ReplicaSet", owner.Kind);
        });
    }

    [Fact]
    public async Task Reconcile_ReplicasUnset_DefaultsToOne()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var rs = await f.Api.CreateAsync("default", Build.ReplicaSet("one", null), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "one");

        Assert.Single(await OwnedAsync(f, rs));
    }

    [Fact]
    public async Task Reconcile_ScaledDown_DeletesNotReadyPodsFirst()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var rs = await f.Api.CreateAsync("default", Build.ReplicaSet("web", 4), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "web");
        var pods = await OwnedAsync(f, rs);
        foreach (var p in pods.Take(2)) await f.MarkReadyAsync(p);
        var ready = pods.Take(2).Select(p => p.Metadata.Name).ToHashSet();
        var live = await f.Api.GetAsync<V1ReplicaSet>("default", "web", f.Ct);
        live.Spec.Replicas = 2;
        await f.Api.UpdateAsync("default", "web", live, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "web");

        var left = await OwnedAsync(f, rs);
        Assert.Equal(ready, left.Select(p => p.Metadata.Name).ToHashSet());
    }

    [Fact]
    public async Task Reconcile_OrphanMatchesSelector_AdoptsItAndCreatesFewer()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", Build.Pod("stray", new() { ["app"] = "web" }), f.Ct);
        var rs = await f.Api.CreateAsync("default", Build.ReplicaSet("web", 2), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "web");

        var pods = await OwnedAsync(f, rs);
        Assert.Equal(2, pods.Count);
        Assert.Contains(pods, p => p.Metadata.Name == "stray");
    }

    [Fact]
    public async Task Reconcile_PodStopsMatching_ReleasesItAndReplacesIt()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var rs = await f.Api.CreateAsync("default", Build.ReplicaSet("web", 1), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "web");
        var pod = Assert.Single(await OwnedAsync(f, rs));
        pod.Metadata.Labels["app"] = "debug";
        await f.Api.UpdateAsync("default", pod.Metadata.Name, pod, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "web");
        await f.ReconcileAsync(c, "default", "web");

        var released = await f.Api.GetAsync<V1Pod>("default", pod.Metadata.Name, f.Ct);
        Assert.Empty(released.Metadata.OwnerReferences ?? []);
        var owned = Assert.Single(await OwnedAsync(f, rs));
        Assert.NotEqual(pod.Metadata.Name, owned.Metadata.Name);
    }

    [Fact]
    public async Task Reconcile_PodsReadyWithMinReadySeconds_CountsAvailableOnlyAfterTheWait()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", Build.ReplicaSet("web", 2, minReadySeconds: 30), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "web");
        await f.MarkAllReadyAsync();

        var result = await f.ReconcileAsync(c, "default", "web");
        var status = (await f.Api.GetAsync<V1ReplicaSet>("default", "web", f.Ct)).Status;
        Assert.Equal((2, 2, 2, 0), (status.Replicas, status.FullyLabeledReplicas ?? 0, status.ReadyReplicas ?? 0, status.AvailableReplicas ?? 0));
        Assert.NotNull(result.RequeueAfter);
        Assert.True(result.RequeueAfter <= TimeSpan.FromSeconds(31));

        f.Time.Advance(TimeSpan.FromSeconds(31));
        await f.ReconcileAsync(c, "default", "web");
        status = (await f.Api.GetAsync<V1ReplicaSet>("default", "web", f.Ct)).Status;
        Assert.Equal(2, status.AvailableReplicas);
        Assert.Equal(1, status.ObservedGeneration);
    }

    [Fact]
    public async Task Reconcile_Twice_SecondRunWritesNothing()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", Build.ReplicaSet("web", 3), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "web");
        await f.MarkAllReadyAsync();
        await f.ReconcileAsync(c, "default", "web");
        var before = await f.SnapshotAsync();

        await f.ReconcileAsync(c, "default", "web");

        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Reconcile_ReplicationController_ManagesPodsThroughTheSameLogic()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new ReplicaSetController<V1ReplicationController>(f.Context, ReplicaKinds.ReplicationControllers));
        await f.StartInformersAsync();
        var labels = new Dictionary<string, string> { ["app"] = "legacy" };
        var rc = await f.Api.CreateAsync("default", new V1ReplicationController
        {
            ApiVersion = "v1", Kind = "ReplicationController",
            Metadata = new V1ObjectMeta { Name = "legacy", NamespaceProperty = "default" },
            Spec = new V1ReplicationControllerSpec { Replicas = 2, Selector = labels, Template = Build.Template(labels) },
        }, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "legacy");
        await f.ReconcileAsync(c, "default", "legacy");

        Assert.Equal(2, (await f.ListAsync<V1Pod>()).Count(p => Objects.IsControlledBy(p.Metadata, rc.Metadata)));
        Assert.Equal(2, (await f.Api.GetAsync<V1ReplicationController>("default", "legacy", f.Ct)).Status.Replicas);
    }

    [Fact]
    public async Task Reconcile_AgainBeforeCacheCatchesUp_DoesNotCreateTwice()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var rs = await f.Api.CreateAsync("default", Build.ReplicaSet("web", 3), f.Ct);
        await f.SettleAsync();

        await c.ReconcileAsync(new Client.ObjectKey("default", "web"), f.Ct);
        await c.ReconcileAsync(new Client.ObjectKey("default", "web"), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "web");

        Assert.Equal(3, (await OwnedAsync(f, rs)).Count);
    }

    [Fact]
    public void ChoosePodsToDelete_MixedStates_RanksUnscheduledThenPendingThenNotReady()
    {
        static V1Pod P(string name, string? node, string phase, bool ready) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = DateTime.UtcNow },
            Spec = new V1PodSpec { NodeName = node },
            Status = new V1PodStatus { Phase = phase, Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
        };
        var pods = new[] { P("ready", "n1", "Running", true), P("unready", "n1", "Running", false), P("pending", "n2", "Pending", false), P("unscheduled", null, "Pending", false) };

        var order = ReplicaDecisions.ChoosePodsToDelete(pods, 4).Select(p => p.Metadata.Name);

        Assert.Equal(["unscheduled", "pending", "unready", "ready"], order);
    }

    [Fact]
    public void ChoosePodsToDelete_EqualPods_LowerDeletionCostGoesFirst()
    {
        static V1Pod P(string name, string? cost) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Name = name, CreationTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
                Annotations = cost is null ? null : new Dictionary<string, string> { ["controller.kubernetes.io/pod-deletion-cost"] = cost },
            },
            Spec = new V1PodSpec { NodeName = "n1" },
            Status = new V1PodStatus { Phase = "Running" },
        };

        var order = ReplicaDecisions.ChoosePodsToDelete([P("default", null), P("precious", "100"), P("cheap", "-5")], 3).Select(p => p.Metadata.Name);

        Assert.Equal(["cheap", "default", "precious"], order);
    }

    [Fact]
    public void SlowStartBatches_Ten_DoublesUntilDone()
    {
        Assert.Equal([1, 2, 4, 3], ReplicaDecisions.SlowStartBatches(10));
    }
}
