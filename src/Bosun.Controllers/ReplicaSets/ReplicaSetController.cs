using Bosun.Api;
using Bosun.Client;
using Bosun.Controllers.Common;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers.ReplicaSets;

/// <summary>
/// Keeps the number of active pods controlled by each ReplicaSet (or ReplicationController) equal to its replicas:
/// creates from the template, deletes the cheapest extras, adopts matching orphans, releases pods that stop matching,
/// and reports counts in status.
/// </summary>
/// <remarks>
/// Level-triggered: the key names the owner, never what happened. Caches lag our own writes, so
/// <see cref="Expectations"/> holds off further creates/deletes until the previous ones are seen.
/// </remarks>
internal sealed class ReplicaSetController<T> : IController where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ControllerContext context;
    private readonly ReplicaKind<T> kind;
    private readonly Informer<T> owners;
    private readonly Informer<V1Pod> pods;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;

    public ReplicaSetController(ControllerContext context, ReplicaKind<T> kind)
    {
        this.context = context;
        this.kind = kind;
        owners = context.Informers.For<T>();
        pods = context.Informers.For<V1Pod>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger("Bosun.Controllers." + kind.ControllerName);
        Expectations = new Expectations(context.Time);
    }

    public string Name => kind.ControllerName;

    internal Expectations Expectations { get; }

    internal WorkQueue<ObjectKey> Queue => queue;

    public void Register(ControllerHost host)
    {
        owners.On(
            added: o => queue.Add(ObjectKey.Of(o)),
            updated: (_, o) => queue.Add(ObjectKey.Of(o)),
            deleted: o =>
            {
                Expectations.Forget(ObjectKey.Of(o));
                queue.Add(ObjectKey.Of(o));
            });
        pods.On(added: PodAdded, updated: PodUpdated, deleted: PodDeleted);
        host.AddInformer(owners).AddInformer(pods).AddController(this, queue, workers: 2);   // the queue never hands one key to two workers
    }

    private void PodAdded(V1Pod pod)
    {
        if (OwnerKey(pod) is { } key)
        {
            if (pod.Metadata.DeletionTimestamp is null) Expectations.CreationObserved(key);
            queue.Add(key);
        }
        else
        {
            EnqueueSelecting(pod);   // an orphan: whoever selects it may adopt it
        }
    }

    private void PodUpdated(V1Pod old, V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null && old.Metadata.DeletionTimestamp is null && OwnerKey(pod) is { } deleting)
            Expectations.DeletionObserved(deleting, pod.Metadata.Uid);
        var oldKey = OwnerKey(old);
        var newKey = OwnerKey(pod);
        if (oldKey is { } o && oldKey != newKey) queue.Add(o);
        if (newKey is { } n) queue.Add(n);
        else if (!Objects.SemanticEquals(old.Metadata.Labels, pod.Metadata.Labels) || oldKey is not null) EnqueueSelecting(pod);
    }

    private void PodDeleted(V1Pod pod)
    {
        if (OwnerKey(pod) is not { } key) return;
        Expectations.DeletionObserved(key, pod.Metadata.Uid);
        queue.Add(key);
    }

    /// <summary>The owner of our kind that controls this pod, by its controller reference.</summary>
    private ObjectKey? OwnerKey(V1Pod pod) =>
        Objects.ControllerOf(pod.Metadata) is { } r && r.Kind == kind.Kind && r.ApiVersion == kind.ApiVersion
            ? new ObjectKey(pod.Metadata.NamespaceProperty ?? "", r.Name)
            : null;

    private void EnqueueSelecting(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null) return;
        foreach (var o in owners.List(pod.Metadata.NamespaceProperty ?? ""))
            if (kind.Selector(o).Matches(pod.Metadata.Labels?.AsReadOnly())) queue.Add(ObjectKey.Of(o));
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!owners.TryGet(key, out var owner))
        {
            Expectations.Forget(key);   // gone; the garbage collector deletes its pods
            return ReconcileResult.Done;
        }

        // Check expectations before listing pods: a pod seen after this point is then counted, never missed.
        var satisfied = Expectations.AreSatisfied(key);
        var selector = kind.Selector(owner);
        var owned = await ClaimPodsAsync(owner, selector, ct);
        var active = owned.Where(Pods.IsActive).ToList();

        Exception? manageError = null;
        if (satisfied && owner.Metadata.DeletionTimestamp is null)
        {
            try { await ManageReplicasAsync(key, owner, active, ct); }
            catch (Exception e) when (e is ApiException or HttpRequestException) { manageError = e; }
        }

        var now = context.Time.GetUtcNow();
        var minReady = kind.MinReadySeconds(owner);
        var status = ReplicaDecisions.ComputeStatus(active, kind.Template(owner)?.Metadata?.Labels, minReady, owner.Metadata.Generation, now);
        if (status != kind.ReadStatus(owner))
        {
            await WriteStatusAsync(key, owner, status, ct);
        }
        if (manageError is not null) throw manageError;

        // minReadySeconds: look again when the next ready pod turns available.
        var wait = active.Select(p => Pods.UntilAvailable(p, minReady, now)).Where(t => t is not null).Min();
        return wait is { } delay ? ReconcileResult.After(delay + TimeSpan.FromMilliseconds(1)) : ReconcileResult.Done;
    }

    /// <summary>
    /// Writes status; on a conflict (our cached copy is behind, often because of our own last write) it reads the
    /// latest and tries once more, as upstream's updateReplicaSetStatus does, instead of a full back-off round.
    /// </summary>
    private async Task WriteStatusAsync(ObjectKey key, T owner, ReplicaStatus status, CancellationToken ct)
    {
        var copy = Objects.Clone(owner);
        kind.WriteStatus(copy, status);
        try
        {
            await context.Api.UpdateStatusAsync(key.Namespace, key.Name, copy, ct);
        }
        catch (ApiException e) when (e.IsConflict)
        {
            var latest = await context.Api.TryGetAsync<T>(key.Namespace, key.Name, ct);
            if (latest is null || latest.Metadata.Uid != owner.Metadata.Uid || kind.ReadStatus(latest) == status) return;
            kind.WriteStatus(latest, status);
            await context.Api.UpdateStatusAsync(key.Namespace, key.Name, latest, ct);
        }
    }

    /// <summary>
    /// Upstream's ClaimPods: the pods this owner controls and still selects, after adopting matching orphans and
    /// releasing controlled pods whose labels no longer match.
    /// </summary>
    private async Task<List<V1Pod>> ClaimPodsAsync(T owner, LabelSelector selector, CancellationToken ct)
    {
        var claimed = new List<V1Pod>();
        var freshChecked = false;
        foreach (var pod in pods.List(owner.Metadata.NamespaceProperty ?? ""))
        {
            var matches = selector.Matches(pod.Metadata.Labels?.AsReadOnly());
            var controller = Objects.ControllerOf(pod.Metadata);
            if (controller is not null)
            {
                if (controller.Uid != owner.Metadata.Uid) continue;
                if (matches) claimed.Add(pod);
                else if (pod.Metadata.DeletionTimestamp is null) await ReleaseAsync(pod, owner, ct);
                continue;
            }
            if (!matches || pod.Metadata.DeletionTimestamp is not null || owner.Metadata.DeletionTimestamp is not null) continue;
            if (!freshChecked)
            {
                // Adoption must not race a delete of the owner: confirm with a live read, as upstream does.
                var live = await context.Api.TryGetAsync<T>(owner.Metadata.NamespaceProperty, owner.Metadata.Name, ct);
                if (live is null || live.Metadata.Uid != owner.Metadata.Uid || live.Metadata.DeletionTimestamp is not null) return claimed;
                freshChecked = true;
            }
            if (await AdoptAsync(pod, owner, ct) is { } adopted) claimed.Add(adopted);
        }
        return claimed;
    }

    private async Task<V1Pod?> AdoptAsync(V1Pod pod, T owner, CancellationToken ct)
    {
        var copy = Objects.Clone(pod);
        copy.Metadata.OwnerReferences ??= [];
        copy.Metadata.OwnerReferences.Add(Objects.ControllerRef(owner, kind.ApiVersion, kind.Kind));
        try
        {
            var updated = await context.Api.UpdateAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, copy, ct);
            ReplicaSetLog.Adopted(logger, kind.Kind, ObjectKey.Of(owner).ToString(), pod.Metadata.Name);
            return updated;
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    private async Task ReleaseAsync(V1Pod pod, T owner, CancellationToken ct)
    {
        var copy = Objects.Clone(pod);
        copy.Metadata.OwnerReferences = copy.Metadata.OwnerReferences?.Where(r => r.Uid != owner.Metadata.Uid).ToList();
        try
        {
            await context.Api.UpdateAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, copy, ct);
            ReplicaSetLog.Released(logger, kind.Kind, ObjectKey.Of(owner).ToString(), pod.Metadata.Name);
        }
        catch (ApiException e) when (e.IsNotFound) { }
    }

    private async Task ManageReplicasAsync(ObjectKey key, T owner, List<V1Pod> active, CancellationToken ct)
    {
        var diff = active.Count - kind.Replicas(owner);
        if (diff < 0)
        {
            var want = Math.Min(-diff, ReplicaDecisions.BurstReplicas);
            ReplicaSetLog.TooFew(logger, kind.Kind, key.ToString(), kind.Replicas(owner), active.Count);
            Expectations.ExpectCreations(key, want);
            var left = want;
            foreach (var batch in ReplicaDecisions.SlowStartBatches(want))
            {
                var results = await Task.WhenAll(Enumerable.Range(0, batch).Select(_ => TryCreatePodAsync(owner, ct)));
                left -= batch;
                var failed = results.Where(r => r is not null).ToList();
                if (failed.Count > 0)
                {
                    // Neither the failed creations nor the skipped batches will ever be observed.
                    Expectations.LowerCreations(key, failed.Count + left);
                    throw failed[0]!;
                }
            }
        }
        else if (diff > 0)
        {
            var victims = ReplicaDecisions.ChoosePodsToDelete(active, Math.Min(diff, ReplicaDecisions.BurstReplicas));
            ReplicaSetLog.TooMany(logger, kind.Kind, key.ToString(), kind.Replicas(owner), active.Count);
            Expectations.ExpectDeletions(key, victims.Select(p => p.Metadata.Uid));
            var errors = await Task.WhenAll(victims.Select(async p =>
            {
                try
                {
                    await context.Api.DeleteAsync<V1Pod>(p.Metadata.NamespaceProperty, p.Metadata.Name, ct);
                    context.Events.Record(owner, EventRecorder.Normal, "SuccessfulDelete", $"Deleted pod: {p.Metadata.Name}");
                    return null;
                }
                catch (ApiException e)
                {
                    Expectations.DeletionObserved(key, p.Metadata.Uid);
                    return e;
                }
            }));
            if (errors.FirstOrDefault(e => e is not null) is { } error) throw error;
        }
    }

    private async Task<Exception?> TryCreatePodAsync(T owner, CancellationToken ct)
    {
        var template = kind.Template(owner);
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = owner.Metadata.Name + "-",
                NamespaceProperty = owner.Metadata.NamespaceProperty,
                Labels = template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : null,
                Annotations = template?.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : null,
                Finalizers = template?.Metadata?.Finalizers?.ToList(),
                OwnerReferences = [Objects.ControllerRef(owner, kind.ApiVersion, kind.Kind)],
            },
            Spec = template?.Spec is { } spec ? Objects.Clone(spec) : new V1PodSpec(),
        };
        try
        {
            var created = await context.Api.CreateAsync(pod.Metadata.NamespaceProperty, pod, ct);
            context.Events.Record(owner, EventRecorder.Normal, "SuccessfulCreate", $"Created pod: {created.Metadata.Name}");
            return null;
        }
        catch (ApiException e)
        {
            context.Events.Record(owner, EventRecorder.Warning, "FailedCreate", $"Error creating: {e.Message}");
            return e;
        }
    }
}

/// <summary>The replica controller's log messages (kept outside the generic class for the source generator).</summary>
internal static partial class ReplicaSetLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Too few replicas for {Kind} {Owner}: want {Want}, have {Have}")]
    public static partial void TooFew(ILogger logger, string kind, string owner, int want, int have);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Too many replicas for {Kind} {Owner}: want {Want}, have {Have}")]
    public static partial void TooMany(ILogger logger, string kind, string owner, int want, int have);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} {Owner} adopted pod {Pod}")]
    public static partial void Adopted(ILogger logger, string kind, string owner, string pod);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Kind} {Owner} released pod {Pod}")]
    public static partial void Released(ILogger logger, string kind, string owner, string pod);
}
