using Bosun.Client;
using Bosun.Controllers.Common;
using Bosun.Controllers.Jobs;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>The Job and TTL-after-finished controllers against a real API server, reconciling by hand.</summary>
public sealed class JobControllerTests
{
    private static async Task<(ControllerFixture F, JobController C)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var c = f.Add(new JobController(f.Context));
        await f.StartInformersAsync();
        return (f, c);
    }

    internal static V1Job Job(string name, int? completions = null, int? parallelism = null, int? backoffLimit = null,
        long? activeDeadlineSeconds = null, int? ttl = null, string restartPolicy = "Never") => new()
    {
        ApiVersion = "batch/v1", Kind = "Job",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1JobSpec
        {
            Completions = completions, Parallelism = parallelism, BackoffLimit = backoffLimit,
            ActiveDeadlineSeconds = activeDeadlineSeconds, TtlSecondsAfterFinished = ttl,
            Template = new V1PodTemplateSpec
            {
                Spec = new V1PodSpec { RestartPolicy = restartPolicy, Containers = [new V1Container { Name = "work", Image = "busybox" }] },
            },
        },
    };

    internal static async Task<List<V1Pod>> PodsAsync(ControllerFixture f, V1Job job) =>
        (await f.ListAsync<V1Pod>()).Where(p => Objects.IsControlledBy(p.Metadata, job.Metadata)).ToList();

    internal static async Task<List<V1Pod>> ActiveAsync(ControllerFixture f, V1Job job) =>
        (await PodsAsync(f, job)).Where(Pods.IsActive).ToList();

    [Fact]
    public async Task Reconcile_Completions3Parallelism2_RunsTwoAtATimeUntilComplete()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var job = await f.Api.CreateAsync("default", Job("pi", completions: 3, parallelism: 2), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "pi");
        var active = await ActiveAsync(f, job);
        Assert.Equal(2, active.Count);
        Assert.All(active, p =>
        {
            Assert.Equal("pi", p.Metadata.Labels["batch.kubernetes.io/job-name"]);
            Assert.Equal("pi", p.Metadata.Labels["job-name"]);
            Assert.Equal("Job", Assert.Single(p.Metadata.OwnerReferences).Kind);
            Assert.Equal("Never", p.Spec.RestartPolicy);
        });
        var live = await f.Api.GetAsync<V1Job>("default", "pi", f.Ct);
        Assert.Equal(2, live.Status.Active);
        Assert.NotNull(live.Status.StartTime);

        foreach (var p in active) await f.MarkPhaseAsync(p, "Succeeded");
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "pi");
        active = await ActiveAsync(f, job);
        Assert.Single(active);   // only one completion left
        await f.MarkPhaseAsync(active[0], "Succeeded");
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "pi");

        live = await f.Api.GetAsync<V1Job>("default", "pi", f.Ct);
        Assert.Equal(3, live.Status.Succeeded);
        Assert.Null(live.Status.Active);
        Assert.NotNull(live.Status.CompletionTime);
        Assert.Contains(live.Status.Conditions, c => c.Type == "SuccessCriteriaMet" && c.Status == "True");
        Assert.Contains(live.Status.Conditions, c => c.Type == "Complete" && c.Status == "True" && c.Reason == "CompletionsReached");
        Assert.Equal(3, (await PodsAsync(f, job)).Count);
        var before = await f.SnapshotAsync();
        await f.ReconcileAsync(c, "default", "pi");
        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Reconcile_AlreadyAtParallelism_WritesNothing()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", Job("idem", completions: 4, parallelism: 2), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "idem");
        var before = await f.SnapshotAsync();

        await f.ReconcileAsync(c, "default", "idem");

        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Reconcile_FailuresBeyondBackoffLimit_FailsWithBackoffLimitExceeded()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var job = await f.Api.CreateAsync("default", Job("flaky", backoffLimit: 1), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "flaky");
        await f.MarkPhaseAsync(Assert.Single(await ActiveAsync(f, job)), "Failed");
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "flaky");   // one failure: retry
        var retry = Assert.Single(await ActiveAsync(f, job));
        Assert.Equal(1, (await f.Api.GetAsync<V1Job>("default", "flaky", f.Ct)).Status.Failed);
        await f.MarkPhaseAsync(retry, "Failed");
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "flaky");

        var live = await f.Api.GetAsync<V1Job>("default", "flaky", f.Ct);
        Assert.Equal(2, live.Status.Failed);
        Assert.Contains(live.Status.Conditions, c => c.Type == "FailureTarget" && c.Reason == "BackoffLimitExceeded");
        Assert.Contains(live.Status.Conditions, c => c.Type == "Failed" && c.Status == "True" && c.Reason == "BackoffLimitExceeded");
        Assert.Empty(await ActiveAsync(f, job));
        Assert.Null(live.Status.CompletionTime);
    }

    [Fact]
    public async Task Reconcile_OnFailureRestartsBeyondBackoffLimit_Fails()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var job = await f.Api.CreateAsync("default", Job("restarts", backoffLimit: 2, restartPolicy: "OnFailure"), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "restarts");
        await f.MarkPhaseAsync(Assert.Single(await ActiveAsync(f, job)), "Running", restarts: 3);
        await f.SettleAsync();

        await f.ReconcileAsync(c, "default", "restarts");
        await f.ReconcileAsync(c, "default", "restarts");   // pods deleted: now Failed

        var live = await f.Api.GetAsync<V1Job>("default", "restarts", f.Ct);
        Assert.Contains(live.Status.Conditions, c => c.Type == "Failed" && c.Reason == "BackoffLimitExceeded");
        Assert.Empty(await ActiveAsync(f, job));
    }

    [Fact]
    public async Task Reconcile_ActiveDeadlinePassed_DeletesPodsAndFailsWithDeadlineExceeded()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var job = await f.Api.CreateAsync("default", Job("slow", parallelism: 2, completions: 2, activeDeadlineSeconds: 30), f.Ct);
        await f.SettleAsync();
        var first = await f.ReconcileAsync(c, "default", "slow");
        Assert.Equal(2, (await ActiveAsync(f, job)).Count);
        Assert.NotNull(first.RequeueAfter);
        Assert.InRange(first.RequeueAfter!.Value, TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(31));

        f.Time.Advance(TimeSpan.FromSeconds(31));
        await f.ReconcileAsync(c, "default", "slow");
        await f.ReconcileAsync(c, "default", "slow");

        Assert.Empty(await ActiveAsync(f, job));
        var live = await f.Api.GetAsync<V1Job>("default", "slow", f.Ct);
        Assert.Contains(live.Status.Conditions, c => c.Type == "Failed" && c.Status == "True" && c.Reason == "DeadlineExceeded");
        Assert.Contains(live.Status.Conditions, c => c.Type == "FailureTarget" && c.Reason == "DeadlineExceeded");
    }

    [Fact]
    public async Task TtlAfterFinished_TtlPassed_DeletesJob()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var ttl = f.Add(new TtlAfterFinishedController(f.Context));
        var job = await f.Api.CreateAsync("default", Job("short", ttl: 60), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "short");
        Assert.Equal(ReconcileResult.Done, await f.ReconcileAsync(ttl, "default", "short"));   // not finished: nothing to wait for
        await f.MarkPhaseAsync(Assert.Single(await ActiveAsync(f, job)), "Succeeded");
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "short");

        var wait = await f.ReconcileAsync(ttl, "default", "short");
        Assert.NotNull(wait.RequeueAfter);
        Assert.InRange(wait.RequeueAfter!.Value, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(61));
        Assert.NotNull(await f.Api.TryGetAsync<V1Job>("default", "short", f.Ct));

        f.Time.Advance(TimeSpan.FromSeconds(61));
        await f.ReconcileAsync(ttl, "default", "short");

        Assert.Null(await f.Api.TryGetAsync<V1Job>("default", "short", f.Ct));
    }
}

/// <summary>Suspend and resume.</summary>
public sealed class JobSuspendTests
{
    [Fact]
    public async Task Reconcile_SuspendedThenResumed_DeletesThenRecreatesPods()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new JobController(f.Context));
        await f.StartInformersAsync();
        var job = await f.Api.CreateAsync("default", JobControllerTests.Job("pause", completions: 2, parallelism: 2), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "pause");
        Assert.Equal(2, (await JobControllerTests.ActiveAsync(f, job)).Count);

        var live = await f.Api.GetAsync<V1Job>("default", "pause", f.Ct);
        live.Spec.Suspend = true;
        await f.Api.UpdateAsync("default", "pause", live, f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "pause");
        Assert.Empty(await JobControllerTests.ActiveAsync(f, job));
        Assert.True(JobController.HasCondition(await f.Api.GetAsync<V1Job>("default", "pause", f.Ct), "Suspended"));

        live = await f.Api.GetAsync<V1Job>("default", "pause", f.Ct);
        live.Spec.Suspend = false;
        await f.Api.UpdateAsync("default", "pause", live, f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "pause");

        Assert.Equal(2, (await JobControllerTests.ActiveAsync(f, job)).Count);
        live = await f.Api.GetAsync<V1Job>("default", "pause", f.Ct);
        Assert.Contains(live.Status.Conditions, c => c.Type == "Suspended" && c.Status == "False" && c.Reason == "JobResumed");
    }
}
