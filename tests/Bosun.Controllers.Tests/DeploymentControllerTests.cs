using Bosun.Client;
using Bosun.Controllers.Common;
using Bosun.Controllers.Deployments;
using Bosun.Controllers.ReplicaSets;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>The Deployment controller driving the ReplicaSet controller by hand, readiness reported by the test.</summary>
public sealed class DeploymentControllerTests
{
    private sealed class Rig(ControllerFixture f, DeploymentController deployments, ReplicaSetController<V1ReplicaSet> replicaSets)
    {
        public ControllerFixture F { get; } = f;
        public DeploymentController Deployments { get; } = deployments;

        /// <summary>One round: the Deployment controller acts, then every ReplicaSet converges on its pods and reports.</summary>
        public async Task<ReconcileResult> StepAsync(string name = "web")
        {
            var result = await F.ReconcileAsync(Deployments, "default", name);
            foreach (var rs in await F.ListAsync<V1ReplicaSet>()) await F.ReconcileAsync(replicaSets, "default", rs.Metadata.Name);
            foreach (var rs in await F.ListAsync<V1ReplicaSet>()) await F.ReconcileAsync(replicaSets, "default", rs.Metadata.Name);
            return result;
        }

        /// <summary>Steps with every pod made ready until the rollout is complete by kubectl's rule.</summary>
        public async Task CompleteAsync(string name = "web")
        {
            for (var i = 0; i < 20; i++)
            {
                await StepAsync(name);
                await F.MarkAllReadyAsync();
                foreach (var rs in await F.ListAsync<V1ReplicaSet>()) await F.ReconcileAsync(replicaSets, "default", rs.Metadata.Name);
                await F.ReconcileAsync(Deployments, "default", name);
                if (RolloutFinished(await GetAsync(name))) return;
            }
            throw new InvalidOperationException("rollout did not finish");
        }

        public Task<V1Deployment> GetAsync(string name = "web") => F.Api.GetAsync<V1Deployment>("default", name, F.Ct);

        public async Task UpdateAsync(Action<V1Deployment> change, string name = "web")
        {
            var d = await GetAsync(name);
            change(d);
            await F.Api.UpdateAsync("default", name, d, F.Ct);
            await F.SettleAsync();
        }
    }

    private static async Task<Rig> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var d = f.Add(new DeploymentController(f.Context));
        var rs = f.Add(new ReplicaSetController<V1ReplicaSet>(f.Context, ReplicaKinds.ReplicaSets));
        await f.StartInformersAsync();
        return new Rig(f, d, rs);
    }

    private static V1Deployment Deployment(string name, int? replicas, string image = "nginx:1.25", V1DeploymentStrategy? strategy = null)
    {
        var labels = new Dictionary<string, string> { ["app"] = name };
        return new V1Deployment
        {
            ApiVersion = "apps/v1", Kind = "Deployment",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Annotations = new Dictionary<string, string> { ["kubernetes.io/change-cause"] = "initial" } },
            Spec = new V1DeploymentSpec { Replicas = replicas, Selector = new V1LabelSelector { MatchLabels = labels }, Template = Build.Template(labels, image), Strategy = strategy },
        };
    }

    /// <summary>kubectl rollout status's completion rule (kubectl-wire §15.4).</summary>
    private static bool RolloutFinished(V1Deployment d) =>
        d.Metadata.Generation <= d.Status?.ObservedGeneration
        && DeploymentRules.GetCondition(d.Status, "Progressing")?.Reason != "ProgressDeadlineExceeded"
        && d.Status.UpdatedReplicas >= (d.Spec.Replicas ?? 1)
        && (d.Status.Replicas ?? 0) <= (d.Status.UpdatedReplicas ?? 0)
        && (d.Status.AvailableReplicas ?? 0) >= (d.Status.UpdatedReplicas ?? 0);

    private static string SetImage(V1Deployment d, string image) => d.Spec.Template.Spec.Containers[0].Image = image;

    [Fact]
    public async Task Reconcile_NewDeployment_CreatesReplicaSetWithHashAndRevisionOne()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        var d = await rig.F.Api.CreateAsync("default", Deployment("web", 3), rig.F.Ct);
        await rig.F.SettleAsync();

        await rig.F.ReconcileAsync(rig.Deployments, "default", "web");

        var rs = Assert.Single(await rig.F.ListAsync<V1ReplicaSet>());
        var hash = rs.Metadata.Labels["pod-template-hash"];
        Assert.Equal($"web-{hash}", rs.Metadata.Name);
        Assert.Equal(hash, rs.Spec.Selector.MatchLabels["pod-template-hash"]);
        Assert.Equal(hash, rs.Spec.Template.Metadata.Labels["pod-template-hash"]);
        Assert.Equal(DeploymentRules.TemplateHash(d.Spec.Template, null), hash);
        Assert.Equal("1", rs.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal("3", rs.Metadata.Annotations["deployment.kubernetes.io/desired-replicas"]);
        Assert.Equal("4", rs.Metadata.Annotations["deployment.kubernetes.io/max-replicas"]);
        Assert.Equal("initial", rs.Metadata.Annotations["kubernetes.io/change-cause"]);
        Assert.Equal(3, rs.Spec.Replicas);
        Assert.True(Objects.IsControlledBy(rs.Metadata, d.Metadata));
        var live = await rig.GetAsync();
        Assert.Equal("1", live.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal("NewReplicaSetCreated", DeploymentRules.GetCondition(live.Status, "Progressing")?.Reason);
    }

    [Fact]
    public async Task Rollout_AllPodsReady_ReportsCompleteAsRolloutStatusExpects()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        await rig.F.Api.CreateAsync("default", Deployment("web", 3), rig.F.Ct);
        await rig.F.SettleAsync();

        await rig.CompleteAsync();

        var d = await rig.GetAsync();
        Assert.Equal((3, 3, 3, 3, 0), (d.Status.Replicas, d.Status.UpdatedReplicas, d.Status.ReadyReplicas, d.Status.AvailableReplicas, d.Status.UnavailableReplicas ?? 0));
        Assert.Equal(d.Metadata.Generation, d.Status.ObservedGeneration);
        Assert.Equal(("True", "MinimumReplicasAvailable"), (DeploymentRules.GetCondition(d.Status, "Available")!.Status, DeploymentRules.GetCondition(d.Status, "Available")!.Reason));
        var progressing = DeploymentRules.GetCondition(d.Status, "Progressing")!;
        Assert.Equal(("True", "NewReplicaSetAvailable"), (progressing.Status, progressing.Reason));
    }

    [Theory]
    [InlineData(4, "1", "1", 5, 3)]
    [InlineData(5, "25%", "25%", 7, 4)]
    [InlineData(3, "2", "0", 5, 3)]
    [InlineData(3, "0", "1", 3, 2)]
    public async Task RollingUpdate_ImageChanged_StaysWithinSurgeAndUnavailableAtEveryStep(int replicas, string surge, string unavailable, int maxPods, int minReady)
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        var strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = surge, MaxUnavailable = unavailable } };
        await rig.F.Api.CreateAsync("default", Deployment("web", replicas, strategy: strategy), rig.F.Ct);
        await rig.F.SettleAsync();
        await rig.CompleteAsync();

        await rig.UpdateAsync(d => SetImage(d, "nginx:1.26"));
        var steps = 0;
        while (!RolloutFinished(await rig.GetAsync()))
        {
            Assert.True(++steps < 30, "rollout did not finish");
            await rig.StepAsync();
            var pods = (await rig.F.ListAsync<V1Pod>()).Where(Pods.IsActive).ToList();
            Assert.True(pods.Count <= maxPods, $"step {steps}: {pods.Count} pods exceed replicas + maxSurge");
            Assert.True(pods.Count(Pods.IsReady) >= minReady, $"step {steps}: fewer than replicas - maxUnavailable ready");
            await rig.F.MarkAllReadyAsync();
        }

        var sets = await rig.F.ListAsync<V1ReplicaSet>();
        Assert.Equal(2, sets.Count);
        var current = Assert.Single(sets, rs => rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.26");
        Assert.Equal(replicas, current.Spec.Replicas);
        Assert.Equal("2", current.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal(0, Assert.Single(sets, rs => rs != current).Spec.Replicas);
        Assert.Equal("2", (await rig.GetAsync()).Metadata.Annotations["deployment.kubernetes.io/revision"]);
    }

    [Fact]
    public async Task Scale_MidRollout_SpreadsNewReplicasProportionally()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        var strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 3, MaxUnavailable = 2 } };
        await rig.F.Api.CreateAsync("default", Deployment("web", 10, strategy: strategy), rig.F.Ct);
        await rig.F.SettleAsync();
        await rig.CompleteAsync();
        await rig.UpdateAsync(d => SetImage(d, "nginx:1.26"));
        await rig.StepAsync();   // new ReplicaSet surges to 3; the old one gives up 2 (maxUnavailable)
        await rig.StepAsync();   // new grows to 5 (total back to 13 = 10 + maxSurge)
        var before = await rig.F.ListAsync<V1ReplicaSet>();
        Assert.Equal([5, 8], before.Select(rs => rs.Spec.Replicas ?? 0).Order());

        await rig.UpdateAsync(d => d.Spec.Replicas = 20);
        await rig.StepAsync();

        var sets = await rig.F.ListAsync<V1ReplicaSet>();
        var current = Assert.Single(sets, rs => rs.Spec.Template.Spec.Containers[0].Image == "nginx:1.26");
        var old = Assert.Single(sets, rs => rs != current);
        // 23 allowed (20 + surge 3), both last sized for 13 (max-replicas): 8 → round(8·23/13) = 14, 5 → round(5·23/13) = 9.
        Assert.Equal((14, 9), (old.Spec.Replicas, current.Spec.Replicas));
        Assert.All(sets, rs => Assert.Equal("20", rs.Metadata.Annotations["deployment.kubernetes.io/desired-replicas"]));
    }

    [Fact]
    public async Task Rollback_TemplateOfRevisionOne_ReusesOldReplicaSetAsRevisionThree()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        await rig.F.Api.CreateAsync("default", Deployment("web", 2), rig.F.Ct);
        await rig.F.SettleAsync();
        await rig.CompleteAsync();
        var first = Assert.Single(await rig.F.ListAsync<V1ReplicaSet>());
        await rig.UpdateAsync(d => SetImage(d, "nginx:1.26"));
        await rig.CompleteAsync();

        // What kubectl rollout undo sends: the old ReplicaSet's template without its hash label.
        await rig.UpdateAsync(d =>
        {
            var template = Objects.Clone(first.Spec.Template);
            template.Metadata.Labels.Remove("pod-template-hash");
            d.Spec.Template = template;
        });
        await rig.CompleteAsync();

        var sets = await rig.F.ListAsync<V1ReplicaSet>();
        Assert.Equal(2, sets.Count);
        var reused = Assert.Single(sets, rs => rs.Metadata.Name == first.Metadata.Name);
        Assert.Equal("3", reused.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal("1", reused.Metadata.Annotations["deployment.kubernetes.io/revision-history"]);
        Assert.Equal(2, reused.Spec.Replicas);
        Assert.Equal("3", (await rig.GetAsync()).Metadata.Annotations["deployment.kubernetes.io/revision"]);
    }

    [Fact]
    public async Task Cleanup_BeyondRevisionHistoryLimit_DeletesOldestScaledDownReplicaSet()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        var d = Deployment("web", 1);
        d.Spec.RevisionHistoryLimit = 1;
        await rig.F.Api.CreateAsync("default", d, rig.F.Ct);
        await rig.F.SettleAsync();
        await rig.CompleteAsync();
        foreach (var image in new[] { "nginx:1.26", "nginx:1.27" })
        {
            await rig.UpdateAsync(x => SetImage(x, image));
            await rig.CompleteAsync();
        }

        await rig.StepAsync();

        var revisions = (await rig.F.ListAsync<V1ReplicaSet>()).Select(rs => rs.Metadata.Annotations["deployment.kubernetes.io/revision"]).Order();
        Assert.Equal(["2", "3"], revisions);
    }

    [Fact]
    public async Task Recreate_ImageChanged_ScalesOldToZeroBeforeCreatingNew()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        await rig.F.Api.CreateAsync("default", Deployment("web", 2, strategy: new V1DeploymentStrategy { Type = "Recreate" }), rig.F.Ct);
        await rig.F.SettleAsync();
        await rig.CompleteAsync();
        await rig.UpdateAsync(d => SetImage(d, "nginx:1.26"));

        await rig.F.ReconcileAsync(rig.Deployments, "default", "web");

        var old = Assert.Single(await rig.F.ListAsync<V1ReplicaSet>());
        Assert.Equal(0, old.Spec.Replicas);

        await rig.StepAsync();   // old pods go
        await rig.StepAsync();   // only now the new ReplicaSet
        var sets = await rig.F.ListAsync<V1ReplicaSet>();
        Assert.Equal(2, sets.Count);
        Assert.Equal(2, Assert.Single(sets, rs => rs.Metadata.Name != old.Metadata.Name).Spec.Replicas);
        await rig.CompleteAsync();
    }

    [Fact]
    public async Task Paused_TemplateChangedAndScaled_ScalesWithoutNewReplicaSet()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        await rig.F.Api.CreateAsync("default", Deployment("web", 2), rig.F.Ct);
        await rig.F.SettleAsync();
        await rig.CompleteAsync();

        await rig.UpdateAsync(d =>
        {
            d.Spec.Paused = true;
            d.Spec.Replicas = 4;
            SetImage(d, "nginx:1.26");
        });
        await rig.StepAsync();

        var rs = Assert.Single(await rig.F.ListAsync<V1ReplicaSet>());
        Assert.Equal(4, rs.Spec.Replicas);
        Assert.Equal("nginx:1.25", rs.Spec.Template.Spec.Containers[0].Image);
        var progressing = DeploymentRules.GetCondition((await rig.GetAsync()).Status, "Progressing")!;
        Assert.Equal(("Unknown", "DeploymentPaused"), (progressing.Status, progressing.Reason));
    }

    [Fact]
    public async Task Rollout_NoProgressPastDeadline_ReportsProgressDeadlineExceeded()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        var d = Deployment("web", 1);
        d.Spec.ProgressDeadlineSeconds = 60;
        await rig.F.Api.CreateAsync("default", d, rig.F.Ct);
        await rig.F.SettleAsync();
        await rig.StepAsync();
        var waiting = await rig.StepAsync();   // pods exist but never become ready
        Assert.NotNull(waiting.RequeueAfter);

        rig.F.Time.Advance(TimeSpan.FromSeconds(61));
        await rig.StepAsync();

        var progressing = DeploymentRules.GetCondition((await rig.GetAsync()).Status, "Progressing")!;
        Assert.Equal(("False", "ProgressDeadlineExceeded"), (progressing.Status, progressing.Reason));
    }

    [Fact]
    public async Task Reconcile_CompleteRollout_SecondRunWritesNothing()
    {
        var rig = await StartAsync();
        await using var _ = rig.F;
        await rig.F.Api.CreateAsync("default", Deployment("web", 2), rig.F.Ct);
        await rig.F.SettleAsync();
        await rig.CompleteAsync();
        await rig.StepAsync();
        var before = await rig.F.SnapshotAsync();

        await rig.StepAsync();

        Assert.Equal(before, await rig.F.SnapshotAsync());
    }

    [Theory]
    [InlineData("25%", "25%", 4, 1, 1)]
    [InlineData("25%", "25%", 3, 1, 0)]
    [InlineData("0", "0", 3, 0, 1)]
    [InlineData("2", "50%", 5, 2, 2)]
    [InlineData("30%", "30%", 10, 3, 3)]
    public void Fenceposts_IntOrPercent_RoundSurgeUpAndUnavailableDown(string surge, string unavailable, int replicas, int wantSurge, int wantUnavailable)
    {
        var d = new V1Deployment
        {
            Metadata = new V1ObjectMeta(),
            Spec = new V1DeploymentSpec
            {
                Replicas = replicas,
                Strategy = new V1DeploymentStrategy { RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = surge, MaxUnavailable = unavailable } },
            },
        };

        Assert.Equal((wantSurge, wantUnavailable), DeploymentRules.Fenceposts(d));
    }

    [Fact]
    public void TemplateHash_SameContentDifferentLabelOrder_IsEqualAndPinned()
    {
        var a = Build.Template(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" });
        var b = Build.Template(new Dictionary<string, string> { ["tier"] = "front", ["app"] = "web" });

        Assert.Equal(DeploymentRules.TemplateHash(a, null), DeploymentRules.TemplateHash(b, null));
        Assert.NotEqual(DeploymentRules.TemplateHash(a, null), DeploymentRules.TemplateHash(a, 1));
        Assert.Equal(PinnedHash, DeploymentRules.TemplateHash(a, null));
    }

    // Pinned so that a change to hashing (which would roll every Deployment on upgrade) fails loudly.
    private const string PinnedHash = "56478fb8d";
}
