using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;

namespace Bosun.Controllers.Jobs;

/// <summary>
/// Deletes finished Jobs (Complete or Failed) once <c>ttlSecondsAfterFinished</c> has passed since they finished,
/// with background propagation so that their pods go too. Waits by requeueing, never by polling.
/// </summary>
internal sealed class TtlAfterFinishedController : IController
{
    private readonly ControllerContext context;
    private readonly Informer<V1Job> jobs;
    private readonly WorkQueue<ObjectKey> queue;

    public TtlAfterFinishedController(ControllerContext context)
    {
        this.context = context;
        jobs = context.Informers.For<V1Job>();
        queue = new WorkQueue<ObjectKey>(context.Time);
    }

    public string Name => "ttl-after-finished";

    public void Register(ControllerHost host)
    {
        jobs.On(added: Enqueue, updated: (_, j) => Enqueue(j));
        host.AddInformer(jobs).AddController(this, queue, workers: 1);
    }

    private void Enqueue(V1Job job)
    {
        if (job.Spec?.TtlSecondsAfterFinished is not null && JobController.IsFinished(job)) queue.Add(ObjectKey.Of(job));
    }

    /// <summary>When the job finished: completionTime, else the finishing condition's transition time.</summary>
    public static DateTimeOffset? FinishedAt(V1Job job)
    {
        if (!JobController.IsFinished(job)) return null;
        if (job.Status?.CompletionTime is { } done) return Workloads.Utc(done);
        var c = job.Status?.Conditions?.FirstOrDefault(c => c.Type is "Complete" or "Failed" && c.Status == "True");
        return c?.LastTransitionTime is { } t ? Workloads.Utc(t) : null;
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!jobs.TryGet(key, out var job) || job.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        if (job.Spec?.TtlSecondsAfterFinished is not { } ttl || FinishedAt(job) is not { } finished) return ReconcileResult.Done;
        var expires = finished.AddSeconds(ttl);
        var now = context.Time.GetUtcNow();
        if (now < expires) return ReconcileResult.After(expires - now + TimeSpan.FromMilliseconds(1));

        // Check the live object: the TTL or the job may have changed since the cache saw it.
        var live = await context.Api.TryGetAsync<V1Job>(key.Namespace, key.Name, ct);
        if (live is null || live.Metadata.Uid != job.Metadata.Uid || live.Spec?.TtlSecondsAfterFinished is not { } liveTtl
            || FinishedAt(live) is not { } liveFinished) return ReconcileResult.Done;
        if (now < liveFinished.AddSeconds(liveTtl)) return ReconcileResult.After(liveFinished.AddSeconds(liveTtl) - now + TimeSpan.FromMilliseconds(1));
        await context.Api.DeleteAsync<V1Job>(key.Namespace, key.Name, ct, new V1DeleteOptions
        {
            PropagationPolicy = "Background",
            Preconditions = new V1Preconditions { Uid = job.Metadata.Uid },
        });
        return ReconcileResult.Done;
    }
}
