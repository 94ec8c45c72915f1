using System.Globalization;
using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;

namespace Bosun.Controllers.StatefulSets;

/// <summary>
/// Keeps pods <c>&lt;sts&gt;-&lt;ordinal&gt;</c> for ordinals [start, start+replicas): PVCs from volumeClaimTemplates
/// first (never deleted here), OrderedReady one at a time (each Running and Ready before the next, scale-down from the
/// highest) or Parallel, rolling updates from the highest ordinal down to the partition by
/// <c>controller-revision-hash</c>, and status with current/update revisions.
/// </summary>
internal sealed class StatefulSetController : IController
{
    public const string ApiVersion = "apps/v1";
    public const string KindName = "StatefulSet";
    public const string PodNameLabel = "statefulset.kubernetes.io/pod-name";
    public const string PodIndexLabel = "apps.kubernetes.io/pod-index";

    private readonly ControllerContext context;
    private readonly Informer<V1StatefulSet> sets;
    private readonly Informer<V1Pod> pods;
    private readonly Informer<V1PersistentVolumeClaim> claims;
    private readonly Informer<V1ControllerRevision> revisions;
    private readonly WorkQueue<ObjectKey> queue;

    public StatefulSetController(ControllerContext context)
    {
        this.context = context;
        sets = context.Informers.For<V1StatefulSet>();
        pods = context.Informers.For<V1Pod>();
        claims = context.Informers.For<V1PersistentVolumeClaim>();
        revisions = context.Informers.For<V1ControllerRevision>();
        queue = new WorkQueue<ObjectKey>(context.Time);
    }

    public string Name => "statefulset";

    public void Register(ControllerHost host)
    {
        sets.On(added: s => queue.Add(ObjectKey.Of(s)), updated: (_, s) => queue.Add(ObjectKey.Of(s)), deleted: s => queue.Add(ObjectKey.Of(s)));
        pods.On(added: PodChanged, updated: (_, p) => PodChanged(p), deleted: PodChanged);
        host.AddInformer(sets).AddInformer(pods).AddInformer(claims).AddInformer(revisions).AddController(this, queue, workers: 2);
    }

    private void PodChanged(V1Pod pod)
    {
        if (Workloads.OwnerKey(pod.Metadata, ApiVersion, KindName) is { } key) queue.Add(key);
    }

    public static int? Ordinal(V1StatefulSet sts, V1Pod pod)
    {
        var prefix = sts.Metadata.Name + "-";
        return pod.Metadata.Name.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(pod.Metadata.Name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;
    }

    private static bool RunningAndReady(V1Pod p) => p.Status?.Phase == "Running" && Pods.IsReady(p);

    private static string? Revision(V1Pod p) => p.Metadata.Labels?.TryGetValue(Workloads.RevisionHashLabel, out var r) == true ? r : null;

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!sets.TryGet(key, out var sts) || sts.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var (updateRevision, allRevisions) = await Workloads.EnsureRevisionAsync(context, revisions, sts, ApiVersion, KindName,
            sts.Spec.Template, sts.Spec.Selector?.MatchLabels, ct);
        var updateName = updateRevision.Metadata.Name;
        var currentName = sts.Status?.CurrentRevision is { Length: > 0 } c && allRevisions.Any(r => r.Metadata.Name == c) ? c : updateName;
        var currentTemplate = currentName == updateName ? sts.Spec.Template
            : Workloads.RevisionTemplate(allRevisions.First(r => r.Metadata.Name == currentName)) ?? sts.Spec.Template;

        var replicas = sts.Spec.Replicas ?? 1;
        var start = sts.Spec.Ordinals?.Start ?? 0;
        var parallel = sts.Spec.PodManagementPolicy == "Parallel";
        var onDelete = sts.Spec.UpdateStrategy?.Type == "OnDelete";
        var partition = sts.Spec.UpdateStrategy?.RollingUpdate?.Partition ?? 0;
        var owned = Workloads.Owned(pods, sts).Where(p => Ordinal(sts, p) is not null).ToList();
        var byOrdinal = owned.ToDictionary(p => Ordinal(sts, p)!.Value);

        var changed = await ManageAsync(sts, byOrdinal, start, replicas, parallel, onDelete, partition, currentName, currentTemplate, updateName, ct);

        // Status from the pods as they were before this pass's writes (their events bring another pass).
        var live = owned.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        var status = new V1StatefulSetStatus
        {
            Replicas = live.Count,
            ReadyReplicas = live.Count(Pods.IsReady),
            AvailableReplicas = live.Count(p => Pods.IsAvailable(p, sts.Spec.MinReadySeconds ?? 0, context.Time.GetUtcNow())),
            CurrentReplicas = live.Count(p => Revision(p) == currentName),
            UpdatedReplicas = live.Count(p => Revision(p) == updateName),
            CurrentRevision = currentName,
            UpdateRevision = updateName,
            ObservedGeneration = sts.Metadata.Generation,
            CollisionCount = sts.Status?.CollisionCount ?? 0,
            Conditions = sts.Status?.Conditions,
        };
        // Upstream's completeRollingUpdate: every pod updated and ready, the update revision becomes current.
        if (!onDelete && status.UpdatedReplicas == replicas && status.ReadyReplicas == replicas && status.Replicas == replicas && !changed)
        {
            status.CurrentRevision = updateName;
            status.CurrentReplicas = status.UpdatedReplicas;
        }
        if (!Objects.SemanticEquals(status, sts.Status))
        {
            var copy = Objects.Clone(sts);
            copy.Status = status;
            await context.Api.UpdateStatusAsync(key.Namespace, key.Name, copy, ct);
        }
        await Workloads.TrimRevisionsAsync(context, allRevisions, live.Select(p => Revision(p) ?? "").Append(currentName).Append(updateName),
            sts.Spec.RevisionHistoryLimit ?? 10, ct);
        return ReconcileResult.Done;
    }

    /// <summary>One pass of upstream's updateStatefulSet (monotonic or burst); returns whether anything was written.</summary>
    private async Task<bool> ManageAsync(V1StatefulSet sts, Dictionary<int, V1Pod> byOrdinal, int start, int replicas, bool parallel,
        bool onDelete, int partition, string currentName, V1PodTemplateSpec? currentTemplate, string updateName, CancellationToken ct)
    {
        var changed = false;
        var end = start + replicas;
        // Failed pods are replaced.
        foreach (var (_, pod) in byOrdinal.Where(kv => kv.Value.Status?.Phase == "Failed" && kv.Value.Metadata.DeletionTimestamp is null).OrderBy(kv => kv.Key))
        {
            await DeletePodAsync(sts, pod, ct);
            changed = true;
            if (!parallel) return true;
        }
        if (changed) return true;

        for (var i = start; i < end; i++)
        {
            if (!byOrdinal.TryGetValue(i, out var pod))
            {
                var useUpdate = onDelete || i - start >= partition || currentName == updateName;
                await CreatePodAsync(sts, i, useUpdate ? updateName : currentName, useUpdate ? sts.Spec.Template : currentTemplate, ct);
                changed = true;
                if (!parallel) return true;
                continue;
            }
            if (pod.Metadata.DeletionTimestamp is not null) { if (!parallel) return changed; continue; }
            if (!parallel && !RunningAndReady(pod)) return changed;   // OrderedReady: wait for this one
        }

        // Scale down: the highest ordinal first; OrderedReady only when everything below is Running and Ready.
        var condemned = byOrdinal.Where(kv => kv.Key >= end || kv.Key < start).OrderByDescending(kv => kv.Key).Select(kv => kv.Value).ToList();
        foreach (var pod in condemned)
        {
            if (pod.Metadata.DeletionTimestamp is not null) { if (!parallel) return changed; continue; }
            await DeletePodAsync(sts, pod, ct);
            changed = true;
            if (!parallel) return true;
        }
        if (changed || onDelete) return changed;

        // Rolling update: highest ordinal first down to the partition, one pod at a time, only when all are ready.
        var active = byOrdinal.Where(kv => kv.Key >= start && kv.Key < end).OrderByDescending(kv => kv.Key).ToList();
        if (active.Any(kv => !RunningAndReady(kv.Value) || kv.Value.Metadata.DeletionTimestamp is not null)) return false;
        foreach (var (ordinal, pod) in active)
        {
            if (ordinal - start < partition) break;
            if (Revision(pod) == updateName) continue;
            await DeletePodAsync(sts, pod, ct);
            return true;
        }
        return false;
    }

    private async Task CreatePodAsync(V1StatefulSet sts, int ordinal, string revision, V1PodTemplateSpec? template, CancellationToken ct)
    {
        var name = $"{sts.Metadata.Name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
        var pod = Workloads.PodFromTemplate(sts, ApiVersion, KindName, template, name, new Dictionary<string, string>
        {
            [PodNameLabel] = name,
            [PodIndexLabel] = ordinal.ToString(CultureInfo.InvariantCulture),
            [Workloads.RevisionHashLabel] = revision,
        });
        pod.Spec.Hostname = name;
        if (!string.IsNullOrEmpty(sts.Spec.ServiceName)) pod.Spec.Subdomain = sts.Spec.ServiceName;
        foreach (var claim in sts.Spec.VolumeClaimTemplates ?? [])
        {
            var claimName = $"{claim.Metadata.Name}-{name}";
            await EnsureClaimAsync(sts, claim, claimName, ct);
            pod.Spec.Volumes ??= [];
            pod.Spec.Volumes = pod.Spec.Volumes.Where(v => v.Name != claim.Metadata.Name).ToList();
            pod.Spec.Volumes.Add(new V1Volume
            {
                Name = claim.Metadata.Name,
                PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = claimName },
            });
        }
        try
        {
            await context.Api.CreateAsync(sts.Metadata.NamespaceProperty, pod, ct);
            context.Events.Record(sts, EventRecorder.Normal, "SuccessfulCreate", $"create Pod {name} in StatefulSet {sts.Metadata.Name} successful");
        }
        catch (ApiException e) when (e.IsAlreadyExists) { }   // our cache was behind; the next pass sees it
    }

    private async Task EnsureClaimAsync(V1StatefulSet sts, V1PersistentVolumeClaim template, string claimName, CancellationToken ct)
    {
        if (claims.Get(sts.Metadata.NamespaceProperty, claimName) is not null) return;
        var labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>());
        foreach (var (k, v) in sts.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>()) labels[k] = v;
        var claim = new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = "PersistentVolumeClaim",
            Metadata = new V1ObjectMeta
            {
                Name = claimName,
                NamespaceProperty = sts.Metadata.NamespaceProperty,
                Labels = labels,
                Annotations = template.Metadata.Annotations is { } a ? new Dictionary<string, string>(a) : null,
            },
            Spec = Objects.Clone(template.Spec),
        };
        try
        {
            await context.Api.CreateAsync(sts.Metadata.NamespaceProperty, claim, ct);
            context.Events.Record(sts, EventRecorder.Normal, "SuccessfulCreate", $"create Claim {claimName} in StatefulSet {sts.Metadata.Name} success");
        }
        catch (ApiException e) when (e.IsAlreadyExists) { }
    }

    private async Task DeletePodAsync(V1StatefulSet sts, V1Pod pod, CancellationToken ct)
    {
        await context.Api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, ct,
            new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } });
        context.Events.Record(sts, EventRecorder.Normal, "SuccessfulDelete", $"delete Pod {pod.Metadata.Name} in StatefulSet {sts.Metadata.Name} successful");
    }
}
