using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;

namespace Bosun.Controllers.Jobs;

/// <summary>
/// Runs a Job's pods to completion (NonIndexed): keeps min(parallelism, completions - succeeded) pods active, counts
/// succeeded and failed pods, fails the Job past backoffLimit or activeDeadlineSeconds (deleting active pods) and
/// reports status with the 1.32 conditions (SuccessCriteriaMet then Complete; FailureTarget then Failed).
/// </summary>
/// <remarks>
/// Simplification: finished pods are counted while they exist (no uncountedTerminatedPods / tracking finalizers),
/// so a failed count never drops below what status already reports.
/// </remarks>
internal sealed class JobController : IController
{
    public const string ApiVersion = "batch/v1";
    public const string KindName = "Job";

    private readonly ControllerContext context;
    private readonly Informer<V1Job> jobs;
    private readonly Informer<V1Pod> pods;
    private readonly WorkQueue<ObjectKey> queue;

    public JobController(ControllerContext context)
    {
        this.context = context;
        jobs = context.Informers.For<V1Job>();
        pods = context.Informers.For<V1Pod>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        Expectations = new Expectations(context.Time);
    }

    public string Name => "job";

    internal Expectations Expectations { get; }

    public void Register(ControllerHost host)
    {
        jobs.On(added: j => queue.Add(ObjectKey.Of(j)), updated: (_, j) => queue.Add(ObjectKey.Of(j)),
            deleted: j => { Expectations.Forget(ObjectKey.Of(j)); queue.Add(ObjectKey.Of(j)); });
        Workloads.EnqueueOwnersOfPods(pods, Key, Expectations, queue);
        host.AddInformer(jobs).AddInformer(pods).AddController(this, queue, workers: 2);
    }

    private static ObjectKey? Key(V1Pod pod) => Workloads.OwnerKey(pod.Metadata, ApiVersion, KindName);

    public static bool IsFinished(V1Job job) =>
        job.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == "True") == true;

    public static bool HasCondition(V1Job job, string type) => job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!jobs.TryGet(key, out var cached))
        {
            Expectations.Forget(key);
            return ReconcileResult.Done;
        }
        if (IsFinished(cached) || cached.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var satisfied = Expectations.AreSatisfied(key);
        var job = Objects.Clone(cached);
        var spec = job.Spec;
        var owned = Workloads.Owned(pods, job);
        var active = owned.Where(Pods.IsActive).OrderBy(p => p.Metadata.CreationTimestamp).ToList();
        var succeeded = owned.Count(p => p.Status?.Phase == "Succeeded");
        var failedPods = owned.Count(p => p.Status?.Phase == "Failed");
        var restarts = spec.Template?.Spec?.RestartPolicy == "OnFailure"
            ? active.Sum(p => p.Status?.ContainerStatuses?.Sum(c => c.RestartCount) ?? 0)
            : 0;
        var failed = Math.Max(failedPods, job.Status?.Failed ?? 0);
        var now = context.Time.GetUtcNow();
        job.Status ??= new V1JobStatus();
        var status = job.Status;
        var suspended = spec.Suspend == true;
        if (status.StartTime is null && !suspended) status.StartTime = now.UtcDateTime;

        var completions = spec.Completions;
        var parallelism = spec.Parallelism ?? 1;
        var backoffLimit = spec.BackoffLimit ?? 6;

        string? failReason = null, failMessage = null;
        TimeSpan? requeue = null;
        var createdNow = 0;
        if (HasCondition(job, "FailureTarget"))
        {
            var c = status.Conditions!.First(c => c.Type == "FailureTarget");
            failReason = c.Reason;
            failMessage = c.Message;
        }
        else if (failed + restarts > backoffLimit)
        {
            failReason = "BackoffLimitExceeded";
            failMessage = "Job has reached the specified backoff limit";
        }
        else if (spec.ActiveDeadlineSeconds is { } ads && status.StartTime is { } started && !suspended)
        {
            var deadline = Workloads.Utc(started).AddSeconds(ads);
            if (now >= deadline)
            {
                failReason = "DeadlineExceeded";
                failMessage = "Job was active longer than specified deadline";
            }
            else requeue = deadline - now;
        }

        var complete = failReason is null &&
            (completions is { } n ? succeeded >= n : succeeded > 0 && active.Count == 0);

        if (failReason is not null)
        {
            SetCondition(status, "FailureTarget", failReason, failMessage, now);
            foreach (var p in active) await DeletePodAsync(key, job, p, ct);
            var remaining = owned.Any(p => p.Status?.Phase is not ("Succeeded" or "Failed") && !active.Contains(p));
            if (active.Count == 0 && !remaining)
            {
                SetCondition(status, "Failed", failReason, failMessage, now);
                context.Events.Record(job, EventRecorder.Warning, failReason, failMessage ?? "");
            }
            active = [];
        }
        else if (complete)
        {
            foreach (var p in active) await DeletePodAsync(key, job, p, ct);   // parallel jobs without completions: the rest stop
            active = [];
            SetCondition(status, "SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now);
            SetCondition(status, "Complete", "CompletionsReached", "Reached expected number of succeeded pods", now);
            status.CompletionTime = now.UtcDateTime;
            context.Events.Record(job, EventRecorder.Normal, "Completed", "Job completed");
        }
        else if (satisfied)
        {
            var want = suspended ? 0 : completions is { } total ? Math.Min(parallelism, total - succeeded) : (succeeded > 0 ? 0 : parallelism);
            want = Math.Max(0, want);
            if (active.Count < want)
            {
                var create = want - active.Count;
                Expectations.ExpectCreations(key, create);
                for (var i = 0; i < create; i++)
                {
                    var pod = Workloads.PodFromTemplate(job, ApiVersion, KindName, spec.Template, extraLabels: new Dictionary<string, string>
                    {
                        ["batch.kubernetes.io/job-name"] = job.Metadata.Name,
                        ["job-name"] = job.Metadata.Name,
                        ["batch.kubernetes.io/controller-uid"] = job.Metadata.Uid,
                        ["controller-uid"] = job.Metadata.Uid,
                    });
                    try
                    {
                        var created = await context.Api.CreateAsync(job.Metadata.NamespaceProperty, pod, ct);
                        createdNow++;
                        context.Events.Record(job, EventRecorder.Normal, "SuccessfulCreate", $"Created pod: {created.Metadata.Name}");
                    }
                    catch (ApiException)
                    {
                        Expectations.LowerCreations(key, create - i);
                        throw;
                    }
                }
            }
            else if (active.Count > want)
            {
                var victims = active.OrderBy(Pods.IsReady).ThenByDescending(p => p.Metadata.CreationTimestamp).Take(active.Count - want).ToList();
                Expectations.ExpectDeletions(key, victims.Select(p => p.Metadata.Uid));
                foreach (var p in victims) await DeletePodAsync(key, job, p, ct);
                active = active.Except(victims).ToList();
            }
            if (suspended) SetCondition(status, "Suspended", "JobSuspended", "Job suspended", now);
            else if (HasCondition(job, "Suspended"))
            {
                var c = status.Conditions!.First(c => c.Type == "Suspended");
                (c.Status, c.Reason, c.Message, c.LastTransitionTime, c.LastProbeTime) = ("False", "JobResumed", "Job resumed", now.UtcDateTime, now.UtcDateTime);
            }
        }

        var activeCount = active.Count + createdNow;
        status.Active = activeCount > 0 ? activeCount : null;
        status.Succeeded = succeeded > 0 ? succeeded : null;
        status.Failed = failed > 0 ? failed : null;
        status.Ready = active.Count(Pods.IsReady);
        status.Terminating = owned.Count(p => p.Metadata.DeletionTimestamp is not null && p.Status?.Phase is not ("Succeeded" or "Failed"));
        if (!Objects.SemanticEquals(status, cached.Status))
        {
            await context.Api.UpdateStatusAsync(key.Namespace, key.Name, job, ct);
        }
        return requeue is { } r ? ReconcileResult.After(r + TimeSpan.FromMilliseconds(1)) : ReconcileResult.Done;
    }

    private async Task DeletePodAsync(ObjectKey key, V1Job job, V1Pod pod, CancellationToken ct)
    {
        try
        {
            await context.Api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, ct);
            context.Events.Record(job, EventRecorder.Normal, "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
        }
        catch (ApiException)
        {
            Expectations.DeletionObserved(key, pod.Metadata.Uid);
            throw;
        }
    }

    private static void SetCondition(V1JobStatus status, string type, string? reason, string? message, DateTimeOffset now)
    {
        status.Conditions ??= [];
        var existing = status.Conditions.FirstOrDefault(c => c.Type == type);
        if (existing is { Status: "True" } && existing.Reason == reason) return;
        status.Conditions.Remove(existing!);
        status.Conditions.Add(new V1JobCondition
        {
            Type = type, Status = "True", Reason = reason, Message = message,
            LastProbeTime = now.UtcDateTime, LastTransitionTime = now.UtcDateTime,
        });
    }
}
