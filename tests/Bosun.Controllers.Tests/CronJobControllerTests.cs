using Bosun.Controllers.Common;
using Bosun.Controllers.CronJobs;
using Bosun.Controllers.Jobs;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>The cron schedule parser, and the CronJob controller against a real API server with a fake clock.</summary>
public sealed class CronJobControllerTests
{
    [Theory]
    [InlineData("*/15 * * * *", "2024-03-10T10:07:00Z", "2024-03-10T10:15:00Z")]
    [InlineData("0 * * * *", "2024-03-10T10:00:00Z", "2024-03-10T11:00:00Z")]
    [InlineData("@hourly", "2024-03-10T10:30:00Z", "2024-03-10T11:00:00Z")]
    [InlineData("@daily", "2024-03-10T10:30:00Z", "2024-03-11T00:00:00Z")]
    [InlineData("@weekly", "2024-03-10T10:30:00Z", "2024-03-17T00:00:00Z")]
    [InlineData("@monthly", "2024-03-10T10:30:00Z", "2024-04-01T00:00:00Z")]
    [InlineData("@yearly", "2024-03-10T10:30:00Z", "2025-01-01T00:00:00Z")]
    [InlineData("30 9 * * mon-fri", "2024-03-08T10:00:00Z", "2024-03-11T09:30:00Z")]
    [InlineData("0 0 * jan,jul *", "2024-03-10T10:30:00Z", "2024-07-01T00:00:00Z")]
    [InlineData("5-10/2 * * * *", "2024-03-10T10:06:00Z", "2024-03-10T10:07:00Z")]
    [InlineData("0 12 1,15 * *", "2024-03-02T00:00:00Z", "2024-03-15T12:00:00Z")]
    [InlineData("0 0 13 * 5", "2024-03-10T00:00:00Z", "2024-03-13T00:00:00Z")]   // day-of-month OR Friday
    [InlineData("0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 0 * * 7", "2024-03-10T10:00:00Z", "2024-03-17T00:00:00Z")]   // 7 is Sunday
    [InlineData("10/20 * * * ?", "2024-03-10T10:31:00Z", "2024-03-10T10:50:00Z")]
    public void CronSchedule_Next_ReturnsFirstMatchAfter(string schedule, string after, string expected)
    {
        var next = CronSchedule.Parse(schedule).Next(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
    }

    [Theory]
    [InlineData("")]
    [InlineData("* * * *")]
    [InlineData("60 * * * *")]
    [InlineData("* 24 * * *")]
    [InlineData("* * 0 * *")]
    [InlineData("* * * 13 *")]
    [InlineData("*/0 * * * *")]
    [InlineData("5-1 * * * *")]
    [InlineData("* * * foo *")]
    [InlineData("@every 5m")]
    [InlineData("TZ=UTC * * * * *")]
    public void CronSchedule_Invalid_IsRejected(string schedule) =>
        Assert.False(CronSchedule.TryParse(schedule, out _, out _));

    [Fact]
    public void CronSchedule_TimeZone_EvaluatesOnLocalWallClock()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var next = CronSchedule.Parse("0 9 * * *").Next(DateTimeOffset.Parse("2024-07-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), zone);
        Assert.Equal(DateTimeOffset.Parse("2024-07-01T13:00:00Z", System.Globalization.CultureInfo.InvariantCulture), next);   // 09:00 EDT
    }

    private static async Task<(ControllerFixture F, CronJobController C)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var c = f.Add(new CronJobController(f.Context));
        await f.StartInformersAsync();
        return (f, c);
    }

    private static V1CronJob CronJob(string name, string schedule, string? policy = null, int? successLimit = null, int? failedLimit = null) => new()
    {
        ApiVersion = "batch/v1", Kind = "CronJob",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1CronJobSpec
        {
            Schedule = schedule, ConcurrencyPolicy = policy,
            SuccessfulJobsHistoryLimit = successLimit, FailedJobsHistoryLimit = failedLimit,
            JobTemplate = new V1JobTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["team"] = "batch" } },
                Spec = JobControllerTests.Job("unused").Spec,
            },
        },
    };

    private static async Task<List<V1Job>> JobsAsync(ControllerFixture f, V1CronJob cj) =>
        (await f.ListAsync<V1Job>()).Where(j => Objects.IsControlledBy(j.Metadata, cj.Metadata)).OrderBy(j => j.Metadata.Name).ToList();

    /// <summary>Advances the clock to the next schedule time (plus a second) the reconcile asked for, and reconciles.</summary>
    private static async Task TickAsync(ControllerFixture f, CronJobController c, string name)
    {
        var wait = await f.ReconcileAsync(c, "default", name);
        Assert.NotNull(wait.RequeueAfter);
        f.Time.Advance(wait.RequeueAfter!.Value);
        await f.ReconcileAsync(c, "default", name);
    }

    [Fact]
    public async Task Reconcile_ScheduleTimeReached_CreatesJobNamedByScheduledMinute()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var cj = await f.Api.CreateAsync("default", CronJob("tick", "*/5 * * * *"), f.Ct);
        await f.SettleAsync();

        var wait = await f.ReconcileAsync(c, "default", "tick");
        Assert.Empty(await JobsAsync(f, cj));
        Assert.NotNull(wait.RequeueAfter);
        Assert.InRange(wait.RequeueAfter!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(5.01));
        var scheduled = CronSchedule.Parse("*/5 * * * *").Next(f.Time.GetUtcNow())!.Value;
        f.Time.Advance(wait.RequeueAfter.Value);
        await f.ReconcileAsync(c, "default", "tick");

        var job = Assert.Single(await JobsAsync(f, cj));
        Assert.Equal($"tick-{scheduled.ToUnixTimeSeconds() / 60}", job.Metadata.Name);
        Assert.Equal("CronJob", Assert.Single(job.Metadata.OwnerReferences).Kind);
        Assert.Equal("batch", job.Metadata.Labels["team"]);
        Assert.Equal(scheduled.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            job.Metadata.Annotations[CronJobController.ScheduledTimestampAnnotation]);
        var live = await f.Api.GetAsync<V1CronJob>("default", "tick", f.Ct);
        Assert.Equal(scheduled.UtcDateTime, live.Status.LastScheduleTime);
        Assert.Equal(job.Metadata.Uid, Assert.Single(live.Status.Active).Uid);
        var before = await f.SnapshotAsync();
        await f.ReconcileAsync(c, "default", "tick");
        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Reconcile_Suspended_CreatesNothing()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var spec = CronJob("off", "* * * * *");
        spec.Spec.Suspend = true;
        var cj = await f.Api.CreateAsync("default", spec, f.Ct);
        await f.SettleAsync();
        f.Time.Advance(TimeSpan.FromMinutes(3));

        await f.ReconcileAsync(c, "default", "off");

        Assert.Empty(await JobsAsync(f, cj));
    }

    [Fact]
    public async Task Reconcile_ForbidWithActiveJob_SkipsRun()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var cj = await f.Api.CreateAsync("default", CronJob("forbid", "* * * * *", "Forbid"), f.Ct);
        await f.SettleAsync();
        await TickAsync(f, c, "forbid");
        Assert.Single(await JobsAsync(f, cj));

        await TickAsync(f, c, "forbid");

        Assert.Single(await JobsAsync(f, cj));
    }

    [Fact]
    public async Task Reconcile_ReplaceWithActiveJob_DeletesOldAndCreatesNew()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var cj = await f.Api.CreateAsync("default", CronJob("replace", "* * * * *", "Replace"), f.Ct);
        await f.SettleAsync();
        await TickAsync(f, c, "replace");
        var first = Assert.Single(await JobsAsync(f, cj));

        await TickAsync(f, c, "replace");

        var jobs = await JobsAsync(f, cj);
        var second = Assert.Single(jobs, j => j.Metadata.DeletionTimestamp is null);
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);
        var live = await f.Api.GetAsync<V1CronJob>("default", "replace", f.Ct);
        Assert.Equal(second.Metadata.Uid, Assert.Single(live.Status.Active).Uid);
    }

    [Fact]
    public async Task Reconcile_AllowWithActiveJob_RunsConcurrently()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var cj = await f.Api.CreateAsync("default", CronJob("allow", "* * * * *"), f.Ct);
        await f.SettleAsync();
        await TickAsync(f, c, "allow");

        await TickAsync(f, c, "allow");

        Assert.Equal(2, (await JobsAsync(f, cj)).Count);
        Assert.Equal(2, (await f.Api.GetAsync<V1CronJob>("default", "allow", f.Ct)).Status.Active.Count);
    }

    [Fact]
    public async Task Reconcile_MoreFinishedJobsThanHistoryLimits_DeletesOldest()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var cj = await f.Api.CreateAsync("default", CronJob("history", "* * * * *", successLimit: 2, failedLimit: 1), f.Ct);
        await f.SettleAsync();
        for (var i = 0; i < 5; i++)
        {
            await TickAsync(f, c, "history");
            var newest = (await JobsAsync(f, cj)).Last();
            await MarkFinishedAsync(f, newest, i < 3 ? "Complete" : "Failed");
            await f.SettleAsync();
        }

        await f.ReconcileAsync(c, "default", "history");

        var left = await JobsAsync(f, cj);
        Assert.Equal(2, left.Count(j => JobController.HasCondition(j, "Complete")));
        Assert.Equal(1, left.Count(j => JobController.HasCondition(j, "Failed")));
        Assert.Equal(3, left.Count);
        var live = await f.Api.GetAsync<V1CronJob>("default", "history", f.Ct);
        Assert.NotNull(live.Status.LastSuccessfulTime);
        Assert.Null(live.Status.Active);
    }

    [Fact]
    public async Task Reconcile_MissedPastStartingDeadline_SkipsRunAndWaitsForNext()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var spec = CronJob("late", "*/10 * * * *");
        spec.Spec.StartingDeadlineSeconds = 30;
        var cj = await f.Api.CreateAsync("default", spec, f.Ct);
        await f.SettleAsync();
        var wait = await f.ReconcileAsync(c, "default", "late");
        f.Time.Advance(wait.RequeueAfter!.Value + TimeSpan.FromMinutes(2));   // the controller was down past the deadline

        var next = await f.ReconcileAsync(c, "default", "late");

        Assert.Empty(await JobsAsync(f, cj));
        Assert.InRange(next.RequeueAfter!.Value, TimeSpan.FromMinutes(7), TimeSpan.FromMinutes(8.1));
    }

    [Fact]
    public async Task Reconcile_TimeZone_AnnotatesScheduledTimeInZone()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var spec = CronJob("tz", "* * * * *");
        spec.Spec.TimeZone = "Asia/Tokyo";
        var cj = await f.Api.CreateAsync("default", spec, f.Ct);
        await f.SettleAsync();

        await TickAsync(f, c, "tz");

        var job = Assert.Single(await JobsAsync(f, cj));
        Assert.EndsWith("+09:00", job.Metadata.Annotations[CronJobController.ScheduledTimestampAnnotation]);
    }

    private static async Task MarkFinishedAsync(ControllerFixture f, V1Job job, string condition)
    {
        var live = await f.Api.GetAsync<V1Job>("default", job.Metadata.Name, f.Ct);
        var now = f.Time.GetUtcNow().UtcDateTime;
        live.Status ??= new V1JobStatus();
        live.Status.StartTime ??= now;
        if (condition == "Complete") live.Status.CompletionTime = now;
        live.Status.Conditions =
        [
            new V1JobCondition { Type = condition == "Complete" ? "SuccessCriteriaMet" : "FailureTarget", Status = "True", LastTransitionTime = now },
            new V1JobCondition { Type = condition, Status = "True", LastTransitionTime = now },
        ];
        await f.Api.UpdateStatusAsync("default", job.Metadata.Name, live, f.Ct);
    }
}
