using Bosun.Controllers.Common;
using Bosun.Controllers.StatefulSets;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>The StatefulSet controller against a real API server, reconciling by hand.</summary>
public sealed class StatefulSetControllerTests
{
    private static async Task<(ControllerFixture F, StatefulSetController C)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var c = f.Add(new StatefulSetController(f.Context));
        await f.StartInformersAsync();
        return (f, c);
    }

    private static V1StatefulSet StatefulSet(string name, int replicas, string? policy = null, bool claims = false, int? partition = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new V1StatefulSet
        {
            ApiVersion = "apps/v1", Kind = "StatefulSet",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = replicas, ServiceName = name, PodManagementPolicy = policy,
                Selector = new V1LabelSelector { MatchLabels = labels }, Template = Build.Template(labels),
                UpdateStrategy = partition is null ? null : new V1StatefulSetUpdateStrategy
                {
                    Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateStatefulSetStrategy { Partition = partition },
                },
                VolumeClaimTemplates = !claims ? null :
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = "data" },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
                        },
                    },
                ],
            },
        };
    }

    private static async Task<List<string>> NamesAsync(ControllerFixture f) =>
        (await f.ListAsync<V1Pod>()).Where(p => p.Metadata.DeletionTimestamp is null).Select(p => p.Metadata.Name).Order(StringComparer.Ordinal).ToList();

    /// <summary>Reconciles and marks every new pod Running and Ready, until nothing changes.</summary>
    private static async Task ConvergeAsync(ControllerFixture f, StatefulSetController c, string name)
    {
        for (var i = 0; i < 20; i++)
        {
            var before = await f.SnapshotAsync();
            await f.ReconcileAsync(c, "default", name);
            await f.MarkAllReadyAsync();
            if (before == await f.SnapshotAsync()) return;
        }
    }

    [Fact]
    public async Task Reconcile_OrderedReady_CreatesOnePodAtATimeInOrder()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", StatefulSet("db", 3), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "db");
        await f.ReconcileAsync(c, "default", "db");   // db-0 not ready: waits
        Assert.Equal(["db-0"], await NamesAsync(f));
        var pod = await f.Api.GetAsync<V1Pod>("default", "db-0", f.Ct);
        Assert.Equal("db-0", pod.Metadata.Labels[StatefulSetController.PodNameLabel]);
        Assert.Equal("0", pod.Metadata.Labels[StatefulSetController.PodIndexLabel]);
        Assert.StartsWith("db-", pod.Metadata.Labels["controller-revision-hash"]);
        Assert.Equal("db-0", pod.Spec.Hostname);
        Assert.Equal("db", pod.Spec.Subdomain);
        Assert.Equal("StatefulSet", Assert.Single(pod.Metadata.OwnerReferences).Kind);

        await f.MarkAllReadyAsync();
        await f.ReconcileAsync(c, "default", "db");
        Assert.Equal(["db-0", "db-1"], await NamesAsync(f));
        await ConvergeAsync(f, c, "db");

        Assert.Equal(["db-0", "db-1", "db-2"], await NamesAsync(f));
        var live = await f.Api.GetAsync<V1StatefulSet>("default", "db", f.Ct);
        Assert.Equal(3, live.Status.Replicas);
        Assert.Equal(3, live.Status.ReadyReplicas);
        Assert.Equal(3, live.Status.CurrentReplicas);
        Assert.Equal(3, live.Status.UpdatedReplicas);
        Assert.Equal(live.Status.CurrentRevision, live.Status.UpdateRevision);
        Assert.Equal(live.Metadata.Generation, live.Status.ObservedGeneration);
        var before = await f.SnapshotAsync();
        await f.ReconcileAsync(c, "default", "db");
        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Reconcile_Parallel_CreatesAllAtOnce()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", StatefulSet("par", 3, "Parallel"), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "par");

        Assert.Equal(["par-0", "par-1", "par-2"], await NamesAsync(f));
    }

    [Fact]
    public async Task Reconcile_ScaledDown_DeletesHighestOrdinalFirstAndKeepsClaims()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", StatefulSet("db", 3, claims: true), f.Ct);
        await f.SettleAsync();
        await ConvergeAsync(f, c, "db");
        var live = await f.Api.GetAsync<V1StatefulSet>("default", "db", f.Ct);
        live.Spec.Replicas = 1;
        await f.Api.UpdateAsync("default", "db", live, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "db");
        Assert.Equal(["db-0", "db-1"], await NamesAsync(f));
        await ConvergeAsync(f, c, "db");

        Assert.Equal(["db-0"], await NamesAsync(f));
        Assert.Equal(["data-db-0", "data-db-1", "data-db-2"],
            (await f.ListAsync<V1PersistentVolumeClaim>()).Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Reconcile_VolumeClaimTemplates_CreatesClaimsBeforePodAndMountsThem()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", StatefulSet("pg", 2, claims: true), f.Ct);
        await f.SettleAsync();

        await ConvergeAsync(f, c, "pg");

        var claims = await f.ListAsync<V1PersistentVolumeClaim>();
        Assert.Equal(["data-pg-0", "data-pg-1"], claims.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.All(claims, cl => Assert.Equal("pg", cl.Metadata.Labels["app"]));
        var pod = await f.Api.GetAsync<V1Pod>("default", "pg-1", f.Ct);
        Assert.Equal("data-pg-1", Assert.Single(pod.Spec.Volumes, v => v.Name == "data").PersistentVolumeClaim.ClaimName);
    }

    [Fact]
    public async Task Reconcile_TemplateChangedWithPartition_UpdatesOnlyOrdinalsAtOrAbovePartitionFromHighest()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", StatefulSet("web", 3, partition: 1), f.Ct);
        await f.SettleAsync();
        await ConvergeAsync(f, c, "web");
        var oldRevision = (await f.Api.GetAsync<V1StatefulSet>("default", "web", f.Ct)).Status.CurrentRevision;
        var live = await f.Api.GetAsync<V1StatefulSet>("default", "web", f.Ct);
        live.Spec.Template.Spec.Containers[0].Image = "nginx:1.27";
        await f.Api.UpdateAsync("default", "web", live, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "web");
        Assert.Equal(["web-0", "web-1"], await NamesAsync(f));   // highest ordinal goes first
        await ConvergeAsync(f, c, "web");

        var pods = (await f.ListAsync<V1Pod>()).ToDictionary(p => p.Metadata.Name);
        Assert.Equal("nginx:1.25", pods["web-0"].Spec.Containers[0].Image);
        Assert.Equal("nginx:1.27", pods["web-1"].Spec.Containers[0].Image);
        Assert.Equal("nginx:1.27", pods["web-2"].Spec.Containers[0].Image);
        live = await f.Api.GetAsync<V1StatefulSet>("default", "web", f.Ct);
        Assert.Equal(oldRevision, live.Status.CurrentRevision);
        Assert.NotEqual(oldRevision, live.Status.UpdateRevision);
        Assert.Equal(2, live.Status.UpdatedReplicas);
        Assert.Equal(1, live.Status.CurrentReplicas);
        Assert.Equal(2, (await f.ListAsync<V1ControllerRevision>()).Count);

        live.Spec.UpdateStrategy.RollingUpdate.Partition = 0;
        await f.Api.UpdateAsync("default", "web", live, f.Ct);
        await f.SettleAsync();
        await ConvergeAsync(f, c, "web");

        live = await f.Api.GetAsync<V1StatefulSet>("default", "web", f.Ct);
        Assert.Equal(live.Status.UpdateRevision, live.Status.CurrentRevision);
        Assert.Equal(3, live.Status.CurrentReplicas);
        Assert.All(await f.ListAsync<V1Pod>(), p => Assert.Equal("nginx:1.27", p.Spec.Containers[0].Image));
    }
}
