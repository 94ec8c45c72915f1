using System.Globalization;
using Bosun.Client;
using Bosun.Controllers.Common;
using Bosun.Controllers.Jobs;
using k8s.Models;

namespace Bosun.Controllers.CronJobs;

/// <summary>
/// Creates a Job <c>&lt;cronjob&gt;-&lt;minutes since epoch&gt;</c> for the latest missed schedule time, honouring suspend,
/// startingDeadlineSeconds and concurrencyPolicy; trims finished Jobs to the history limits; reports lastScheduleTime,
/// lastSuccessfulTime and active. Requeues itself for the next schedule time (no polling).
/// </summary>
internal sealed class CronJobController : IController
{
    public const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    private readonly ControllerContext context;
    private readonly Informer<V1CronJob> cronJobs;
    private readonly Informer<V1Job> jobs;
    private readonly WorkQueue<ObjectKey> queue;

    public CronJobController(ControllerContext context)
    {
        this.context = context;
        cronJobs = context.Informers.For<V1CronJob>();
        jobs = context.Informers.For<V1Job>();
        queue = new WorkQueue<ObjectKey>(context.Time);
    }

    public string Name => "cronjob";

    public void Register(ControllerHost host)
    {
        cronJobs.On(added: c => queue.Add(ObjectKey.Of(c)), updated: (_, c) => queue.Add(ObjectKey.Of(c)));
        jobs.On(added: JobChanged, updated: (_, j) => JobChanged(j), deleted: JobChanged);
        host.AddInformer(cronJobs).AddInformer(jobs).AddController(this, queue, workers: 1);
    }

    private void JobChanged(V1Job job)
    {
        if (Workloads.OwnerKey(job.Metadata, "batch/v1", "CronJob") is { } key) queue.Add(key);
    }

    public static string JobName(string cronJob, DateTimeOffset scheduled) => $"{cronJob}-{scheduled.ToUnixTimeSeconds() / 60}";

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!cronJobs.TryGet(key, out var cached) || cached.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var cj = Objects.Clone(cached);
        cj.Status ??= new V1CronJobStatus();
        var now = context.Time.GetUtcNow();
        var owned = Workloads.Owned(jobs, cj);

        // Status from the jobs we see: active ones, and the latest success.
        var active = owned.Where(j => !JobController.IsFinished(j) && j.Metadata.DeletionTimestamp is null).ToList();
        foreach (var j in owned.Where(j => JobController.HasCondition(j, "Complete")))
            if (j.Status?.CompletionTime is { } done && (cj.Status.LastSuccessfulTime is null || done > cj.Status.LastSuccessfulTime))
                cj.Status.LastSuccessfulTime = done;

        await CleanupHistoryAsync(cj, owned, ct);

        ReconcileResult result = ReconcileResult.Done;
        if (!CronSchedule.TryParse(cj.Spec.Schedule, out var schedule, out var error))
        {
            context.Events.Record(cj, EventRecorder.Warning, "UnparseableSchedule", $"unparseable schedule: {cj.Spec.Schedule}: {error}");
        }
        else if (!TryZone(cj.Spec.TimeZone, out var zone))
        {
            context.Events.Record(cj, EventRecorder.Warning, "UnknownTimeZone", $"invalid timeZone: {cj.Spec.TimeZone}");
        }
        else if (cj.Spec.Suspend != true)
        {
            var scheduled = MostRecentMissed(cj, schedule!, zone, now);
            var tooLate = scheduled is { } s && cj.Spec.StartingDeadlineSeconds is { } sds && s.AddSeconds(sds) < now;
            if (scheduled is { } at && !tooLate)
            {
                var name = JobName(cj.Metadata.Name, at);
                var exists = owned.Any(j => j.Metadata.Name == name);
                if (exists)
                {
                    // Already ran (status write lost): just record the time.
                    cj.Status.LastScheduleTime = at.UtcDateTime;
                }
                else if (cj.Spec.ConcurrencyPolicy == "Forbid" && active.Count > 0)
                {
                    context.Events.Record(cj, EventRecorder.Normal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
                }
                else
                {
                    if (cj.Spec.ConcurrencyPolicy == "Replace")
                    {
                        foreach (var j in active)
                        {
                            await context.Api.DeleteAsync<V1Job>(j.Metadata.NamespaceProperty, j.Metadata.Name, ct,
                                new V1DeleteOptions { PropagationPolicy = "Background" });
                            context.Events.Record(cj, EventRecorder.Normal, "SuccessfulDelete", $"Deleted job {j.Metadata.Name}");
                        }
                        active = [];
                    }
                    var job = NewJob(cj, name, at, zone);
                    try
                    {
                        job = await context.Api.CreateAsync(cj.Metadata.NamespaceProperty, job, ct);
                        context.Events.Record(cj, EventRecorder.Normal, "SuccessfulCreate", $"Created job {name}");
                    }
                    catch (ApiException e) when (e.IsAlreadyExists)
                    {
                        job = await context.Api.GetAsync<V1Job>(cj.Metadata.NamespaceProperty, name, ct);
                    }
                    if (Objects.IsControlledBy(job.Metadata, cj.Metadata)) active.Add(job);
                    cj.Status.LastScheduleTime = at.UtcDateTime;
                }
            }
            if (schedule!.Next(now, zone) is { } next) result = ReconcileResult.After(next - now + TimeSpan.FromMilliseconds(100));
        }

        cj.Status.Active = active.Count == 0 ? null : active
            .OrderBy(j => j.Metadata.Name, StringComparer.Ordinal)
            .Select(j => new V1ObjectReference
            {
                ApiVersion = "batch/v1", Kind = "Job", Name = j.Metadata.Name, NamespaceProperty = j.Metadata.NamespaceProperty,
                Uid = j.Metadata.Uid, ResourceVersion = j.Metadata.ResourceVersion,
            }).ToList();
        if (StatusWithoutRv(cj.Status) != StatusWithoutRv(cached.Status))
            await context.Api.UpdateStatusAsync(key.Namespace, key.Name, cj, ct);
        return result;
    }

    /// <summary>Active references compare by uid only: a job's resourceVersion changing is not a status change.</summary>
    private static string? StatusWithoutRv(V1CronJobStatus? status) => status is null ? null : string.Join('|',
        status.LastScheduleTime?.ToString("O", CultureInfo.InvariantCulture), status.LastSuccessfulTime?.ToString("O", CultureInfo.InvariantCulture),
        status.Active is null ? "-" : string.Join(',', status.Active.Select(a => a.Uid)));

    private static bool TryZone(string? id, out TimeZoneInfo zone)
    {
        zone = TimeZoneInfo.Utc;
        if (string.IsNullOrEmpty(id)) return true;
        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone!);
    }

    /// <summary>The latest schedule time in (last scheduled or created, now], or null; bounded like upstream's 100 missed starts.</summary>
    private static DateTimeOffset? MostRecentMissed(V1CronJob cj, CronSchedule schedule, TimeZoneInfo zone, DateTimeOffset now)
    {
        var earliest = cj.Status?.LastScheduleTime is { } last ? Workloads.Utc(last)
            : cj.Metadata.CreationTimestamp is { } created ? Workloads.Utc(created) : now;
        if (cj.Spec.StartingDeadlineSeconds is { } sds && now.AddSeconds(-sds) > earliest) earliest = now.AddSeconds(-sds);
        DateTimeOffset? latest = null;
        var t = earliest;
        for (var i = 0; i < 100_000 && schedule.Next(t, zone) is { } next && next <= now; i++)
        {
            latest = next;
            t = next;
        }
        return latest;
    }

    private static V1Job NewJob(V1CronJob cj, string name, DateTimeOffset scheduled, TimeZoneInfo zone)
    {
        var template = cj.Spec.JobTemplate;
        var annotations = template?.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : new Dictionary<string, string>();
        annotations[ScheduledTimestampAnnotation] = TimeZoneInfo.ConvertTime(scheduled, zone).ToString("yyyy-MM-dd'T'HH:mm:ssK",
            System.Globalization.CultureInfo.InvariantCulture).Replace("+00:00", "Z", StringComparison.Ordinal);
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = cj.Metadata.NamespaceProperty,
                Labels = template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : null,
                Annotations = annotations,
                OwnerReferences = [Objects.ControllerRef(cj, "batch/v1", "CronJob")],
            },
            Spec = template?.Spec is { } spec ? Objects.Clone(spec) : new V1JobSpec(),
        };
    }

    private async Task CleanupHistoryAsync(V1CronJob cj, List<V1Job> owned, CancellationToken ct)
    {
        async Task TrimAsync(IEnumerable<V1Job> finished, int limit)
        {
            var list = finished.Where(j => j.Metadata.DeletionTimestamp is null)
                .OrderBy(j => j.Status?.StartTime ?? j.Metadata.CreationTimestamp).ThenBy(j => j.Metadata.Name, StringComparer.Ordinal).ToList();
            foreach (var j in list.Take(Math.Max(0, list.Count - limit)))
            {
                await context.Api.DeleteAsync<V1Job>(j.Metadata.NamespaceProperty, j.Metadata.Name, ct, new V1DeleteOptions { PropagationPolicy = "Background" });
                context.Events.Record(cj, EventRecorder.Normal, "SuccessfulDelete", $"Deleted job {j.Metadata.Name}");
            }
        }
        await TrimAsync(owned.Where(j => JobController.HasCondition(j, "Complete")), cj.Spec.SuccessfulJobsHistoryLimit ?? 3);
        await TrimAsync(owned.Where(j => JobController.HasCondition(j, "Failed")), cj.Spec.FailedJobsHistoryLimit ?? 1);
    }
}
