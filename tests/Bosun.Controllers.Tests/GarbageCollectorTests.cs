using Bosun.Controllers.Common;
using Bosun.Controllers.GarbageCollector;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>The garbage collector on hand-built ownership chains; no workload controllers run.</summary>
public sealed class GarbageCollectorTests
{
    private static async Task<(ControllerFixture F, GarbageCollector.GarbageCollector Gc)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var gc = f.Add(new GarbageCollector.GarbageCollector(f.Context, GarbageCollector.GarbageCollector.DefaultKinds(f.Context)));
        await f.StartInformersAsync();
        return (f, gc);
    }

    private static V1OwnerReference RefTo<T>(T owner, string apiVersion, string kind, bool block = true) where T : k8s.IKubernetesObject<V1ObjectMeta>
    {
        var r = Objects.ControllerRef(owner, apiVersion, kind);
        r.BlockOwnerDeletion = block;
        return r;
    }

    /// <summary>Reconciles every object of every kind until a round changes nothing.</summary>
    private static async Task DrainAsync(ControllerFixture f, GarbageCollector.GarbageCollector gc)
    {
        for (var round = 0; round < 10; round++)
        {
            var before = await f.SnapshotAsync();
            foreach (var d in await f.ListAsync<V1Deployment>()) await gc.ReconcileAsync(gc.KeyOf(d), f.Ct);
            foreach (var rs in await f.ListAsync<V1ReplicaSet>()) await gc.ReconcileAsync(gc.KeyOf(rs), f.Ct);
            foreach (var p in await f.ListAsync<V1Pod>()) await gc.ReconcileAsync(gc.KeyOf(p), f.Ct);
            if (before == await f.SnapshotAsync()) return;
        }
    }

    private static async Task<(V1Deployment D, V1ReplicaSet Rs, V1Pod Pod)> ChainAsync(ControllerFixture f)
    {
        var d = await f.Api.CreateAsync("default", new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = Build.Template(new() { ["app"] = "web" }),
            },
        }, f.Ct);
        var rsObj = Build.ReplicaSet("web-abc", 1, new() { ["app"] = "web" });
        rsObj.Metadata.OwnerReferences = [RefTo(d, "apps/v1", "Deployment")];
        var rs = await f.Api.CreateAsync("default", rsObj, f.Ct);
        var pod = await f.Api.CreateAsync("default", Build.Pod("web-abc-x", new() { ["app"] = "web" }, RefTo(rs, "apps/v1", "ReplicaSet")), f.Ct);
        await f.SettleAsync();
        return (d, rs, pod);
    }

    [Fact]
    public async Task Background_OwnerDeleted_DeletesDependentsDownTheChain()
    {
        var (f, gc) = await StartAsync();
        await using var _ = f;
        await ChainAsync(f);

        await f.Api.DeleteAsync<V1Deployment>("default", "web", f.Ct);
        await f.SettleAsync();
        await DrainAsync(f, gc);

        Assert.Empty(await f.ListAsync<V1ReplicaSet>());
        Assert.Empty(await f.ListAsync<V1Pod>());
    }

    [Fact]
    public async Task Reconcile_OwnerAlive_LeavesDependentUntouched()
    {
        var (f, gc) = await StartAsync();
        await using var _ = f;
        await ChainAsync(f);
        var before = await f.SnapshotAsync();

        await DrainAsync(f, gc);

        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Reconcile_DependentReconciledBeforeOwnerIsCached_KeepsDependent()
    {
        var (f, gc) = await StartAsync();
        await using var _ = f;
        var rs = await f.Api.CreateAsync("default", Build.ReplicaSet("fresh", 1), f.Ct);
        var pod = await f.Api.CreateAsync("default", Build.Pod("fresh-x", new() { ["app"] = "fresh" }, RefTo(rs, "apps/v1", "ReplicaSet")), f.Ct);

        // No settling: the owner may not be in the cache yet, and a live read must save the pod.
        await gc.ReconcileAsync(new Client.ObjectKey("default", "Pod/fresh-x"), f.Ct);
        await f.SettleAsync();
        await gc.ReconcileAsync(gc.KeyOf(pod), f.Ct);

        Assert.NotNull(await f.Api.TryGetAsync<V1Pod>("default", "fresh-x", f.Ct));
    }

    [Fact]
    public async Task Reconcile_OneOfTwoOwnersGone_DropsOnlyTheDanglingReference()
    {
        var (f, gc) = await StartAsync();
        await using var _ = f;
        var (_, rs, _) = await ChainAsync(f);
        var pod = Build.Pod("shared", new() { ["other"] = "x" });
        pod.Metadata.OwnerReferences =
        [
            new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = rs.Metadata.Name, Uid = rs.Metadata.Uid },
            new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "gone", Uid = Guid.NewGuid().ToString() },
        ];
        var created = await f.Api.CreateAsync("default", pod, f.Ct);
        await f.SettleAsync();

        await gc.ReconcileAsync(gc.KeyOf(created), f.Ct);

        var live = await f.Api.GetAsync<V1Pod>("default", "shared", f.Ct);
        Assert.Equal(rs.Metadata.Uid, Assert.Single(live.Metadata.OwnerReferences).Uid);
    }

    [Fact]
    public async Task Foreground_OwnerDeleted_WaitsForDependentsThenGoes()
    {
        var (f, gc) = await StartAsync();
        await using var _ = f;
        var (d, _, _) = await ChainAsync(f);

        await f.Api.DeleteAsync<V1Deployment>("default", "web", f.Ct, new V1DeleteOptions { PropagationPolicy = "Foreground" });
        await f.SettleAsync();
        await gc.ReconcileAsync(gc.KeyOf(d), f.Ct);
        await f.SettleAsync();

        // The owner is still there, marked, while its blocking dependent is being deleted.
        var marked = await f.Api.GetAsync<V1Deployment>("default", "web", f.Ct);
        Assert.Contains("foregroundDeletion", marked.Metadata.Finalizers);
        Assert.NotNull((await f.Api.GetAsync<V1ReplicaSet>("default", "web-abc", f.Ct)).Metadata.DeletionTimestamp);

        await DrainAsync(f, gc);

        Assert.Empty(await f.ListAsync<V1Deployment>());
        Assert.Empty(await f.ListAsync<V1ReplicaSet>());
        Assert.Empty(await f.ListAsync<V1Pod>());
    }

    [Fact]
    public async Task Orphan_OwnerDeleted_StripsReferencesAndKeepsDependents()
    {
        var (f, gc) = await StartAsync();
        await using var _ = f;
        var (_, rs, _) = await ChainAsync(f);

        await f.Api.DeleteAsync<V1ReplicaSet>("default", rs.Metadata.Name, f.Ct, new V1DeleteOptions { PropagationPolicy = "Orphan" });
        await f.SettleAsync();
        await DrainAsync(f, gc);

        Assert.Empty(await f.ListAsync<V1ReplicaSet>());
        var pod = Assert.Single(await f.ListAsync<V1Pod>());
        Assert.Empty(pod.Metadata.OwnerReferences ?? []);
        Assert.Single(await f.ListAsync<V1Deployment>());
    }
}
