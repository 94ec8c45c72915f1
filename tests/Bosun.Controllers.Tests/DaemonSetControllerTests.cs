using Bosun.Controllers.Common;
using Bosun.Controllers.DaemonSets;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>The DaemonSet controller against a real API server with Node objects, reconciling by hand.</summary>
public sealed class DaemonSetControllerTests
{
    private static async Task<(ControllerFixture F, DaemonSetController C)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var c = f.Add(new DaemonSetController(f.Context));
        await f.StartInformersAsync();
        return (f, c);
    }

    private static V1DaemonSet DaemonSet(string name, Dictionary<string, string>? nodeSelector = null, string image = "agent:1",
        int? maxUnavailable = null, int? maxSurge = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        var template = Build.Template(labels, image);
        template.Spec.NodeSelector = nodeSelector;
        return new V1DaemonSet
        {
            ApiVersion = "apps/v1", Kind = "DaemonSet",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new V1DaemonSetSpec
            {
                Selector = new V1LabelSelector { MatchLabels = labels }, Template = template,
                UpdateStrategy = new V1DaemonSetUpdateStrategy
                {
                    Type = "RollingUpdate",
                    RollingUpdate = new V1RollingUpdateDaemonSet
                    {
                        MaxUnavailable = maxUnavailable is null ? null : (IntOrString)maxUnavailable.Value,
                        MaxSurge = maxSurge is null ? null : (IntOrString)maxSurge.Value,
                    },
                },
            },
        };
    }

    private static async Task<List<V1Pod>> PodsAsync(ControllerFixture f, V1DaemonSet ds) =>
        (await f.ListAsync<V1Pod>()).Where(p => Objects.IsControlledBy(p.Metadata, ds.Metadata) && p.Metadata.DeletionTimestamp is null).ToList();

    private static Dictionary<string, V1Pod> ByNode(List<V1Pod> pods) => pods.ToDictionary(p => NodeEligibility.NodeOf(p)!);

    [Fact]
    public async Task Reconcile_ThreeNodes_OnePodPinnedToEachNode()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        foreach (var n in new[] { "n1", "n2", "n3" }) await f.CreateNodeAsync(n);
        var ds = await f.Api.CreateAsync("default", DaemonSet("agent"), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "agent");

        var pods = await PodsAsync(f, ds);
        Assert.Equal(["n1", "n2", "n3"], ByNode(pods).Keys.Order());
        Assert.All(pods, p =>
        {
            Assert.Equal("DaemonSet", Assert.Single(p.Metadata.OwnerReferences).Kind);
            Assert.True(p.Metadata.Labels.ContainsKey("controller-revision-hash"));
            var term = Assert.Single(p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms);
            Assert.Equal("metadata.name", Assert.Single(term.MatchFields).Key);
            Assert.Contains(p.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unschedulable");
        });
        var revision = Assert.Single(await f.ListAsync<V1ControllerRevision>());
        Assert.Equal($"agent-{pods[0].Metadata.Labels["controller-revision-hash"]}", revision.Metadata.Name);
        await f.ReconcileAsync(c, "default", "agent");   // status pass sees the pods
        var live = await f.Api.GetAsync<V1DaemonSet>("default", "agent", f.Ct);
        Assert.Equal(3, live.Status.DesiredNumberScheduled);
        Assert.Equal(3, live.Status.CurrentNumberScheduled);
        Assert.Equal(3, live.Status.UpdatedNumberScheduled);
        Assert.Equal(0, live.Status.NumberReady);
        Assert.Equal(live.Metadata.Generation, live.Status.ObservedGeneration);

        foreach (var p in pods) await f.MarkReadyAsync(p);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "agent");
        live = await f.Api.GetAsync<V1DaemonSet>("default", "agent", f.Ct);
        Assert.Equal(3, live.Status.NumberReady);
        Assert.Equal(3, live.Status.NumberAvailable);
        var before = await f.SnapshotAsync();
        await f.ReconcileAsync(c, "default", "agent");
        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Reconcile_NodeSelectorAndTaints_OnlyEligibleNodesGetPods()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.CreateNodeAsync("gpu1", new() { ["gpu"] = "true" });
        await f.CreateNodeAsync("gpu2", new() { ["gpu"] = "true" }, [new V1Taint { Key = "dedicated", Value = "x", Effect = "NoSchedule" }]);
        await f.CreateNodeAsync("gpu3", new() { ["gpu"] = "true" }, [new V1Taint { Key = "soft", Effect = "PreferNoSchedule" }]);
        await f.CreateNodeAsync("cpu1", new() { ["gpu"] = "false" });
        var ds = await f.Api.CreateAsync("default", DaemonSet("gpu", new() { ["gpu"] = "true" }), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "gpu");

        Assert.Equal(["gpu1", "gpu3"], ByNode(await PodsAsync(f, ds)).Keys.Order());
    }

    [Fact]
    public async Task Reconcile_NodeAddedAndRelabelled_PodFollowsEligibility()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.CreateNodeAsync("a", new() { ["role"] = "edge" });
        var ds = await f.Api.CreateAsync("default", DaemonSet("edge", new() { ["role"] = "edge" }), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "edge");
        Assert.Single(await PodsAsync(f, ds));

        await f.CreateNodeAsync("b", new() { ["role"] = "edge" });
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "edge");
        Assert.Equal(["a", "b"], ByNode(await PodsAsync(f, ds)).Keys.Order());

        var a = await f.Api.GetAsync<V1Node>(null, "a", f.Ct);
        a.Metadata.Labels["role"] = "core";
        await f.Api.UpdateAsync(null, "a", a, f.Ct);
        await f.Api.DeleteAsync<V1Node>(null, "b", f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "edge");

        Assert.Empty(await PodsAsync(f, ds));
    }

    [Fact]
    public async Task Reconcile_TemplateChanged_RollsNodeByNodeWithinMaxUnavailable()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        foreach (var n in new[] { "n1", "n2", "n3" }) await f.CreateNodeAsync(n);
        var ds = await f.Api.CreateAsync("default", DaemonSet("roll"), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "roll");
        await f.MarkAllReadyAsync();
        var oldHash = (await PodsAsync(f, ds))[0].Metadata.Labels["controller-revision-hash"];
        var live = await f.Api.GetAsync<V1DaemonSet>("default", "roll", f.Ct);
        live.Spec.Template.Spec.Containers[0].Image = "agent:2";
        await f.Api.UpdateAsync("default", "roll", live, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "roll");   // deletes one old pod (maxUnavailable 1)
        Assert.Equal(2, (await PodsAsync(f, ds)).Count);
        await f.ReconcileAsync(c, "default", "roll");   // recreates it from the new template
        await f.ReconcileAsync(c, "default", "roll");   // the new pod is not ready yet: nothing more
        var pods = await PodsAsync(f, ds);
        Assert.Equal(3, pods.Count);
        Assert.Single(pods, p => p.Metadata.Labels["controller-revision-hash"] != oldHash);

        for (var i = 0; i < 20; i++)   // until nothing changes: each pass replaces one node once the previous is ready
        {
            var before = await f.SnapshotAsync();
            await f.ReconcileAsync(c, "default", "roll");
            await f.MarkAllReadyAsync();
            if (before == await f.SnapshotAsync()) break;
        }

        pods = await PodsAsync(f, ds);
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.Equal("agent:2", p.Spec.Containers[0].Image));
        Assert.Equal(2, (await f.ListAsync<V1ControllerRevision>()).Count);
        live = await f.Api.GetAsync<V1DaemonSet>("default", "roll", f.Ct);
        Assert.Equal(3, live.Status.UpdatedNumberScheduled);
        Assert.Equal(3, live.Status.NumberAvailable);
    }

    [Fact]
    public async Task Reconcile_MaxSurge_StartsNewPodBeforeDeletingOld()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.CreateNodeAsync("n1");
        var ds = await f.Api.CreateAsync("default", DaemonSet("surge", maxUnavailable: 0, maxSurge: 1), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "surge");
        await f.MarkAllReadyAsync();
        var old = Assert.Single(await PodsAsync(f, ds));
        var live = await f.Api.GetAsync<V1DaemonSet>("default", "surge", f.Ct);
        live.Spec.Template.Spec.Containers[0].Image = "agent:2";
        await f.Api.UpdateAsync("default", "surge", live, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "surge");
        await f.ReconcileAsync(c, "default", "surge");

        Assert.Equal(2, (await PodsAsync(f, ds)).Count);   // old still running beside the unready new one
        await f.MarkAllReadyAsync();
        await f.ReconcileAsync(c, "default", "surge");
        var now = Assert.Single(await PodsAsync(f, ds));
        Assert.NotEqual(old.Metadata.Name, now.Metadata.Name);
        Assert.Equal("agent:2", now.Spec.Containers[0].Image);
    }
}
