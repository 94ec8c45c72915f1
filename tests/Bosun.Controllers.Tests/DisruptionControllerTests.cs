using Bosun.Client;
using Bosun.Controllers.Disruption;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>PodDisruptionBudget status, and the API server's eviction subresource honouring it.</summary>
public sealed class DisruptionControllerTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };

    private static V1PodDisruptionBudget Budget(string name, IntOrString? minAvailable = null, IntOrString? maxUnavailable = null) => new()
    {
        ApiVersion = "policy/v1", Kind = "PodDisruptionBudget",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodDisruptionBudgetSpec
        {
            MinAvailable = minAvailable, MaxUnavailable = maxUnavailable,
            Selector = new V1LabelSelector { MatchLabels = Web },
        },
    };

    /// <summary><paramref name="ready"/> running ready pods and <paramref name="notReady"/> running unready ones, labelled app=web.</summary>
    private static async Task CreatePodsAsync(ControllerFixture f, int ready, int notReady, V1OwnerReference? owner = null)
    {
        for (var i = 0; i < ready + notReady; i++)
        {
            var pod = Build.Pod($"web-{i}", Web, owner);
            pod.Spec.NodeName = "n1";
            pod = await f.Api.CreateAsync("default", pod, f.Ct);
            await f.MarkReadyAsync(pod, ready: i < ready);
        }
        // An unrelated pod the selector must not count.
        await f.Api.CreateAsync("default", Build.Pod("other", new() { ["app"] = "other" }), f.Ct);
        await f.SettleAsync();
    }

    private static async Task<V1PodDisruptionBudgetStatus> StatusAsync(ControllerFixture f, string name) =>
        (await f.Api.GetAsync<V1PodDisruptionBudget>("default", name, f.Ct)).Status;

    private static (int?, int?, int?, int?, long?, string?) Numbers(V1PodDisruptionBudgetStatus s) =>
        (s.CurrentHealthy, s.DesiredHealthy, s.ExpectedPods, s.DisruptionsAllowed, s.ObservedGeneration,
            s.Conditions?.Single(c => c.Type == "DisruptionAllowed").Status);

    [Fact]
    public async Task Reconcile_MinAvailableInt_CountsReadyMatchingPods()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new DisruptionController(f.Context));
        await f.StartInformersAsync();
        await CreatePodsAsync(f, ready: 3, notReady: 1);
        await f.Api.CreateAsync("default", Budget("b", minAvailable: 2), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "b");

        Assert.Equal(((int?)3, (int?)2, (int?)4, (int?)1, (long?)1L, "True"), Numbers(await StatusAsync(f, "b")));
    }

    [Fact]
    public async Task Reconcile_MaxUnavailablePercentOfReplicaSet_UsesControllerScale()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new DisruptionController(f.Context));
        await f.StartInformersAsync();
        var rs = await f.Api.CreateAsync("default", Build.ReplicaSet("web", replicas: 4, labels: Web), f.Ct);
        var owner = new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web", Uid = rs.Metadata.Uid, Controller = true };
        await CreatePodsAsync(f, ready: 3, notReady: 0, owner);   // one replica missing
        await f.Api.CreateAsync("default", Budget("b", maxUnavailable: "25%"), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "b");

        // expected 4 (replicas), 25% of 4 = 1 may be unavailable → 3 desired; 3 healthy → none allowed.
        Assert.Equal(((int?)3, (int?)3, (int?)4, (int?)0, (long?)1L, "False"), Numbers(await StatusAsync(f, "b")));
    }

    [Fact]
    public async Task Reconcile_MinAvailablePercent_RoundsUp()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new DisruptionController(f.Context));
        await f.StartInformersAsync();
        await CreatePodsAsync(f, ready: 5, notReady: 0);
        await f.Api.CreateAsync("default", Budget("b", minAvailable: "50%"), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "b");
        var before = await f.SnapshotAsync();
        await f.ReconcileAsync(c, "default", "b");

        Assert.Equal(((int?)5, (int?)3, (int?)5, (int?)2, (long?)1L, "True"), Numbers(await StatusAsync(f, "b")));
        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Evict_BudgetAllowsOne_FirstAllowedSecondRefusedWith429()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new DisruptionController(f.Context));
        await f.StartInformersAsync();
        await CreatePodsAsync(f, ready: 3, notReady: 0);
        await f.Api.CreateAsync("default", Budget("b", minAvailable: 2), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "b");

        await f.Api.PostSubresourceAsync<V1Pod>("default", "web-0", "eviction", Eviction("web-0"), f.Ct);
        var afterFirst = await StatusAsync(f, "b");
        var refused = await Assert.ThrowsAsync<ApiException>(() => f.Api.PostSubresourceAsync<V1Pod>("default", "web-1", "eviction", Eviction("web-1"), f.Ct));

        var evicted = await f.Api.TryGetAsync<V1Pod>("default", "web-0", f.Ct);
        Assert.True(evicted is null || evicted.Metadata.DeletionTimestamp is not null);
        Assert.Equal(0, afterFirst.DisruptionsAllowed);
        Assert.Contains("web-0", afterFirst.DisruptedPods.Keys);
        Assert.Equal((429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget."), (refused.Code, refused.Reason, refused.Message));
        Assert.Equal("DisruptionBudget", refused.Status?.Details?.Causes?.Single().Reason);
        Assert.Null((await f.Api.GetAsync<V1Pod>("default", "web-1", f.Ct)).Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Evict_PodWithoutBudget_Allowed()
    {
        await using var f = await ControllerFixture.StartAsync();
        f.Add(new DisruptionController(f.Context));
        await f.StartInformersAsync();
        await CreatePodsAsync(f, ready: 1, notReady: 0);
        await f.Api.CreateAsync("default", Budget("b", minAvailable: 1), f.Ct);
        await f.MarkReadyAsync(await f.Api.GetAsync<V1Pod>("default", "other", f.Ct));

        await f.Api.PostSubresourceAsync<V1Pod>("default", "other", "eviction", Eviction("other"), f.Ct);

        Assert.Null(await f.Api.TryGetAsync<V1Pod>("default", "other", f.Ct));
    }

    [Fact]
    public async Task Reconcile_AfterEviction_PodDeletedDropsFromDisruptedPods()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new DisruptionController(f.Context));
        await f.StartInformersAsync();
        await CreatePodsAsync(f, ready: 3, notReady: 0);
        await f.Api.CreateAsync("default", Budget("b", minAvailable: 1), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "b");

        await f.Api.PostSubresourceAsync<V1Pod>("default", "web-0", "eviction", Eviction("web-0"), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "b");

        var status = await StatusAsync(f, "b");
        Assert.Equal(((int?)2, (int?)1, (int?)1), ((int?)status.CurrentHealthy, status.DesiredHealthy, status.DisruptionsAllowed));
        Assert.Null(status.DisruptedPods);
    }

    private static V1Eviction Eviction(string pod) => new()
    {
        ApiVersion = "policy/v1", Kind = "Eviction",
        Metadata = new V1ObjectMeta { Name = pod, NamespaceProperty = "default" },
    };
}
