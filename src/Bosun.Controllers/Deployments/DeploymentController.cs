using System.Globalization;
using Bosun.Api;
using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;
using Microsoft.Extensions.Logging;
using static Bosun.Controllers.Deployments.DeploymentRules;

namespace Bosun.Controllers.Deployments;

/// <summary>
/// Rolls Deployments out through ReplicaSets: one ReplicaSet per pod template (named by its hash), scaled by the
/// RollingUpdate or Recreate strategy; proportional scaling while paused or resized mid-rollout; old ReplicaSets
/// reused on rollback and pruned beyond revisionHistoryLimit; status and conditions as <c>kubectl rollout status</c> reads them.
/// </summary>
/// <remarks>
/// It never touches pods except to see whether a Recreate's old pods are gone: the ReplicaSet controller owns pods.
/// Each sync works on a clone of the cached Deployment and keeps its own view of the ReplicaSets it has written,
/// because the caches lag those writes.
/// </remarks>
internal sealed partial class DeploymentController : IController
{
    private const string ApiVersion = "apps/v1";
    private readonly ControllerContext context;
    private readonly Informer<V1Deployment> deployments;
    private readonly Informer<V1ReplicaSet> replicaSets;
    private readonly Informer<V1Pod> pods;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;

    public DeploymentController(ControllerContext context)
    {
        this.context = context;
        deployments = context.Informers.For<V1Deployment>();
        replicaSets = context.Informers.For<V1ReplicaSet>();
        pods = context.Informers.For<V1Pod>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger<DeploymentController>();
    }

    public string Name => "deployment";

    public void Register(ControllerHost host)
    {
        deployments.On(added: Enqueue, updated: (_, d) => Enqueue(d), deleted: Enqueue);
        replicaSets.On(added: ReplicaSetChanged, updated: (old, rs) => { ReplicaSetChanged(old); ReplicaSetChanged(rs); }, deleted: ReplicaSetChanged);
        // A Recreate waits for its old pods to disappear.
        pods.On(deleted: pod =>
        {
            if (Objects.ControllerOf(pod.Metadata) is { Kind: "ReplicaSet" } r
                && replicaSets.Get(pod.Metadata.NamespaceProperty, r.Name) is { } rs) ReplicaSetChanged(rs);
        });
        host.AddInformer(deployments).AddInformer(replicaSets).AddInformer(pods).AddController(this, queue, workers: 2);   // the queue never hands one key to two workers
    }

    private void Enqueue(V1Deployment d) => queue.Add(ObjectKey.Of(d));

    private void ReplicaSetChanged(V1ReplicaSet rs)
    {
        var ns = rs.Metadata.NamespaceProperty ?? "";
        if (Objects.ControllerOf(rs.Metadata) is { } r)
        {
            if (r.Kind == "Deployment") queue.Add(new ObjectKey(ns, r.Name));
            return;
        }
        foreach (var d in deployments.List(ns))
            if (Selector(d).Matches(rs.Metadata.Labels?.AsReadOnly())) Enqueue(d);
    }

    private static LabelSelector Selector(V1Deployment d) => LabelSelector.FromLabelSelector(d.Spec?.Selector);

    private DateTime Now()
    {
        // The API keeps whole seconds; so do we, so a condition written and read back compares equal.
        var t = context.Time.GetUtcNow().UtcDateTime;
        return new DateTime(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
    }

    /// <summary>What one sync knows about a Deployment's ReplicaSets, updated as it writes them.</summary>
    private sealed class State(List<V1ReplicaSet> old, V1ReplicaSet? newRs)
    {
        public List<V1ReplicaSet> Old { get; } = old;
        public V1ReplicaSet? New { get; set; } = newRs;
        public List<V1ReplicaSet> All => New is null ? [.. Old] : [.. Old, New];

        public void Replace(V1ReplicaSet rs)
        {
            if (New?.Metadata.Uid == rs.Metadata.Uid) New = rs;
            var i = Old.FindIndex(o => o.Metadata.Uid == rs.Metadata.Uid);
            if (i >= 0) Old[i] = rs;
        }
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!deployments.TryGet(key, out var cached)) return ReconcileResult.Done;
        var d = Objects.Clone(cached);
        d.Status ??= new V1DeploymentStatus();
        if (d.Spec?.Selector is null || d.Spec.Template is null) return ReconcileResult.Done;   // invalid; validation should have refused it
        var selector = Selector(d);
        if (selector.IsEmpty)
        {
            // Selecting every pod in the namespace is never what anyone wants; say so and do nothing.
            context.Events.Record(d, EventRecorder.Warning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            return ReconcileResult.Done;
        }
        var owned = await ClaimReplicaSetsAsync(d, selector, ct);

        if (d.Metadata.DeletionTimestamp is not null)
        {
            var st = Split(d, owned);
            await SyncStatusAsync(d, st.All, st.New, ct);
            return ReconcileResult.Done;
        }

        CheckPausedConditions(d);
        if (d.Spec?.Paused == true)
        {
            await SyncAsync(d, owned, cleanup: true, ct);
            return ReconcileResult.Done;
        }
        if (IsScalingEvent(d, owned))
        {
            await SyncAsync(d, owned, cleanup: false, ct);
            return ReconcileResult.Done;
        }
        return IsRecreate(d) ? await RolloutRecreateAsync(d, owned, ct) : await RolloutRollingAsync(d, owned, ct);
    }

    /// <summary>Upstream's ClaimReplicaSets: owned ReplicaSets that still match, after adopting orphans and releasing strays.</summary>
    private async Task<List<V1ReplicaSet>> ClaimReplicaSetsAsync(V1Deployment d, LabelSelector selector, CancellationToken ct)
    {
        var claimed = new List<V1ReplicaSet>();
        var checkedLive = false;
        foreach (var rs in replicaSets.List(d.Metadata.NamespaceProperty ?? ""))
        {
            var matches = selector.Matches(rs.Metadata.Labels?.AsReadOnly());
            var controller = Objects.ControllerOf(rs.Metadata);
            if (controller is not null)
            {
                if (controller.Uid != d.Metadata.Uid) continue;
                if (matches) claimed.Add(rs);
                else if (rs.Metadata.DeletionTimestamp is null) await UpdateOwnerRefsAsync(rs, refs => refs.Where(r => r.Uid != d.Metadata.Uid).ToList(), ct);
                continue;
            }
            if (!matches || rs.Metadata.DeletionTimestamp is not null || d.Metadata.DeletionTimestamp is not null) continue;
            if (!checkedLive)
            {
                var live = await context.Api.TryGetAsync<V1Deployment>(d.Metadata.NamespaceProperty, d.Metadata.Name, ct);
                if (live is null || live.Metadata.Uid != d.Metadata.Uid || live.Metadata.DeletionTimestamp is not null) return claimed;
                checkedLive = true;
            }
            if (await UpdateOwnerRefsAsync(rs, refs => [.. refs, Objects.ControllerRef(d, ApiVersion, "Deployment")], ct) is { } adopted)
                claimed.Add(adopted);
        }
        return claimed;
    }

    private async Task<V1ReplicaSet?> UpdateOwnerRefsAsync(V1ReplicaSet rs, Func<IList<V1OwnerReference>, List<V1OwnerReference>> change, CancellationToken ct)
    {
        var copy = Objects.Clone(rs);
        copy.Metadata.OwnerReferences = change(copy.Metadata.OwnerReferences ?? []);
        try { return await context.Api.UpdateAsync(rs.Metadata.NamespaceProperty, rs.Metadata.Name, copy, ct); }
        catch (ApiException e) when (e.IsNotFound) { return null; }
    }

    private static State Split(V1Deployment d, List<V1ReplicaSet> owned)
    {
        var newRs = FindNew(d, owned);
        return new State(owned.Where(rs => rs != newRs).ToList(), newRs);
    }

    /// <summary>Upstream's checkPausedConditions: Progressing turns Unknown while paused, and says so when resumed.</summary>
    private void CheckPausedConditions(V1Deployment d)
    {
        if (!HasProgressDeadline(d)) return;
        var cond = GetCondition(d.Status, Progressing);
        if (cond?.Reason == ProgressDeadlineExceeded) return;
        var pausedShown = cond?.Reason == DeploymentPaused;
        if (d.Spec?.Paused == true && !pausedShown)
            SetCondition(d.Status, Condition(Progressing, "Unknown", DeploymentPaused, "Deployment is paused", Now()));
        else if (d.Spec?.Paused != true && pausedShown)
            SetCondition(d.Status, Condition(Progressing, "Unknown", DeploymentResumed, "Deployment is resumed", Now()));
    }

    /// <summary>A resize (not a template change): some active ReplicaSet was sized for a different replica count.</summary>
    private static bool IsScalingEvent(V1Deployment d, List<V1ReplicaSet> owned) =>
        owned.Where(rs => RsReplicas(rs) > 0).Any(rs =>
            Objects.Annotation(rs.Metadata, DesiredReplicasAnnotation) is { } desired
            && int.TryParse(desired, CultureInfo.InvariantCulture, out var n) && n != Replicas(d));

    /// <summary>Paused or resized: scale proportionally without starting a rollout, then report status.</summary>
    private async Task SyncAsync(V1Deployment d, List<V1ReplicaSet> owned, bool cleanup, CancellationToken ct)
    {
        var state = await GetAllReplicaSetsAsync(d, owned, create: false, ct);
        await ScaleAsync(d, state, ct);
        if (cleanup && d.Spec?.Paused == true) await CleanupAsync(d, state.Old, ct);
        await SyncStatusAsync(d, state.All, state.New, ct);
    }

    private async Task<ReconcileResult> RolloutRollingAsync(V1Deployment d, List<V1ReplicaSet> owned, CancellationToken ct)
    {
        var state = await GetAllReplicaSetsAsync(d, owned, create: true, ct);
        if (await ReconcileNewReplicaSetAsync(d, state, ct)) return await SyncRolloutStatusAsync(d, state, ct);
        if (await ReconcileOldReplicaSetsAsync(d, state, ct)) return await SyncRolloutStatusAsync(d, state, ct);
        if (IsComplete(d, d.Status)) await CleanupAsync(d, state.Old, ct);
        return await SyncRolloutStatusAsync(d, state, ct);
    }

    private async Task<ReconcileResult> RolloutRecreateAsync(V1Deployment d, List<V1ReplicaSet> owned, CancellationToken ct)
    {
        var state = await GetAllReplicaSetsAsync(d, owned, create: false, ct);
        var scaledDown = false;
        foreach (var rs in state.Old.Where(rs => RsReplicas(rs) > 0).ToList())
        {
            await ScaleReplicaSetAsync(d, state, rs, 0, ct);
            scaledDown = true;
        }
        if (scaledDown || OldPodsRunning(state)) return await SyncRolloutStatusAsync(d, state, ct);

        if (state.New is null) state = await GetAllReplicaSetsAsync(d, owned, create: true, ct);
        if (state.New is { } newRs && RsReplicas(newRs) != Replicas(d)) await ScaleReplicaSetAsync(d, state, newRs, Replicas(d), ct);
        if (IsComplete(d, d.Status)) await CleanupAsync(d, state.Old, ct);
        return await SyncRolloutStatusAsync(d, state, ct);
    }

    /// <summary>Recreate must not start new pods while any old one may still run.</summary>
    private bool OldPodsRunning(State state)
    {
        if (state.Old.Any(rs => (rs.Status?.Replicas ?? 0) > 0)) return true;
        var oldUids = state.Old.Select(rs => rs.Metadata.Uid).ToHashSet();
        return state.Old.Count > 0 && pods.List(state.Old[0].Metadata.NamespaceProperty ?? "").Any(p =>
            Objects.ControllerOf(p.Metadata)?.Uid is { } uid && oldUids.Contains(uid) && p.Status?.Phase is not ("Succeeded" or "Failed"));
    }

    /// <summary>
    /// Upstream's getAllReplicaSetsAndSyncRevision: finds (or creates) the ReplicaSet for the current template, gives it
    /// the next revision, and records that revision on the Deployment.
    /// </summary>
    private async Task<State> GetAllReplicaSetsAsync(V1Deployment d, List<V1ReplicaSet> owned, bool create, CancellationToken ct)
    {
        var state = Split(d, owned);
        var newRevision = (state.Old.Count == 0 ? 0 : state.Old.Max(Revision)) + 1;
        var now = Now();
        if (state.New is { } existing)
        {
            var copy = Objects.Clone(existing);
            var changed = SetNewReplicaSetAnnotations(d, copy, newRevision, exists: true);
            if (copy.Spec.MinReadySeconds != d.Spec?.MinReadySeconds)
            {
                copy.Spec.MinReadySeconds = d.Spec?.MinReadySeconds;
                changed = true;
            }
            if (changed) state.New = await context.Api.UpdateAsync(copy.Metadata.NamespaceProperty, copy.Metadata.Name, copy, ct);
            await SetDeploymentRevisionAsync(d, Objects.Annotation(state.New!.Metadata, RevisionAnnotation), ct);
            if (HasProgressDeadline(d) && GetCondition(d.Status, Progressing) is null)
                SetCondition(d.Status, Condition(Progressing, "True", FoundNewReplicaSet, $"Found new replica set \"{state.New.Metadata.Name}\"", now));
            return state;
        }
        if (!create) return state;

        var hash = TemplateHash(d.Spec?.Template, d.Status.CollisionCount);
        var template = Objects.Clone(d.Spec?.Template ?? new V1PodTemplateSpec());
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>()) { [HashLabel] = hash };
        var selector = Objects.Clone(d.Spec!.Selector);
        selector.MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>()) { [HashLabel] = hash };
        var rs = new V1ReplicaSet
        {
            ApiVersion = ApiVersion,
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = $"{d.Metadata.Name}-{hash}",
                NamespaceProperty = d.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(template.Metadata.Labels),
                OwnerReferences = [Objects.ControllerRef(d, ApiVersion, "Deployment")],
            },
            Spec = new V1ReplicaSetSpec { Replicas = 0, MinReadySeconds = d.Spec.MinReadySeconds, Selector = selector, Template = template },
        };
        rs.Spec.Replicas = NewReplicaSetReplicas(d, [.. state.Old, rs], rs);
        SetNewReplicaSetAnnotations(d, rs, newRevision, exists: false);

        V1ReplicaSet created;
        try
        {
            created = await context.Api.CreateAsync(rs.Metadata.NamespaceProperty, rs, ct);
            Log.CreatedReplicaSet(logger, rs.Metadata.Name, ObjectKey.Of(d).ToString(), RsReplicas(rs));
            if (RsReplicas(rs) > 0)
                context.Events.Record(d, EventRecorder.Normal, "ScalingReplicaSet", $"Scaled up replica set {rs.Metadata.Name} from 0 to {RsReplicas(rs)}");
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            var live = await context.Api.GetAsync<V1ReplicaSet>(rs.Metadata.NamespaceProperty, rs.Metadata.Name, ct);
            if (Objects.IsControlledBy(live.Metadata, d.Metadata) && EqualIgnoringHash(live.Spec?.Template, d.Spec.Template))
            {
                state.New = live;   // ours, not yet in the cache
                return state;
            }
            // A different template hashed to the same name: change the hash input and try again.
            d.Status.CollisionCount = (d.Status.CollisionCount ?? 0) + 1;
            await context.Api.UpdateStatusAsync(d.Metadata.NamespaceProperty, d.Metadata.Name, d, ct);
            throw;
        }
        state.New = created;
        await SetDeploymentRevisionAsync(d, newRevision.ToString(CultureInfo.InvariantCulture), ct);
        if (HasProgressDeadline(d))
            SetCondition(d.Status, Condition(Progressing, "True", NewReplicaSetCreated, $"Created new replica set \"{created.Metadata.Name}\"", now));
        return state;
    }

    /// <summary>The Deployment's own revision annotation follows its new ReplicaSet's (what <c>rollout history</c> shows).</summary>
    private async Task SetDeploymentRevisionAsync(V1Deployment d, string? revision, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(revision) || Objects.Annotation(d.Metadata, RevisionAnnotation) == revision) return;
        var patch = new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject
            {
                ["annotations"] = new System.Text.Json.Nodes.JsonObject { [RevisionAnnotation] = revision },
            },
        }.ToJsonString();
        var patched = await context.Api.PatchAsync<V1Deployment>(d.Metadata.NamespaceProperty, d.Metadata.Name, "application/merge-patch+json", patch, ct);
        d.Metadata.Annotations = patched.Metadata.Annotations;
        d.Metadata.ResourceVersion = patched.Metadata.ResourceVersion;
    }

    /// <summary>Upstream's reconcileNewReplicaSet: grow the new ReplicaSet within maxSurge (or shrink it to replicas).</summary>
    private async Task<bool> ReconcileNewReplicaSetAsync(V1Deployment d, State state, CancellationToken ct)
    {
        if (state.New is not { } newRs || RsReplicas(newRs) == Replicas(d)) return false;
        var target = RsReplicas(newRs) > Replicas(d) ? Replicas(d) : NewReplicaSetReplicas(d, state.All, newRs);
        return await ScaleReplicaSetAsync(d, state, newRs, target, ct);
    }

    /// <summary>
    /// Upstream's reconcileOldReplicaSets: first drop old replicas that are unavailable anyway (they cost no
    /// availability), then scale old ReplicaSets down only as far as maxUnavailable allows.
    /// </summary>
    private async Task<bool> ReconcileOldReplicaSetsAsync(V1Deployment d, State state, CancellationToken ct)
    {
        if (state.Old.Sum(RsReplicas) == 0) return false;
        var all = state.All.Sum(RsReplicas);
        var minAvailable = Replicas(d) - MaxUnavailable(d);
        var newUnavailable = state.New is { } n ? RsReplicas(n) - (n.Status?.AvailableReplicas ?? 0) : 0;
        var maxScaledDown = all - minAvailable - newUnavailable;
        if (maxScaledDown <= 0) return false;

        var cleaned = 0;
        foreach (var rs in ByCreation(state.Old))
        {
            if (cleaned >= maxScaledDown) break;
            if (RsReplicas(rs) == 0) continue;
            var unhealthy = RsReplicas(rs) - (rs.Status?.AvailableReplicas ?? 0);
            if (unhealthy <= 0) continue;
            var down = Math.Min(maxScaledDown - cleaned, unhealthy);
            await ScaleReplicaSetAsync(d, state, rs, RsReplicas(rs) - down, ct);
            cleaned += down;
        }

        var available = state.All.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        var scaled = 0;
        if (available > minAvailable)
        {
            var total = available - minAvailable;
            foreach (var rs in ByCreation(state.Old))
            {
                if (scaled >= total) break;
                if (RsReplicas(rs) == 0) continue;
                var down = Math.Min(RsReplicas(rs), total - scaled);
                await ScaleReplicaSetAsync(d, state, rs, RsReplicas(rs) - down, ct);
                scaled += down;
            }
        }
        return cleaned + scaled > 0;
    }

    private static List<V1ReplicaSet> ByCreation(IEnumerable<V1ReplicaSet> list) =>
        list.OrderBy(rs => rs.Metadata.CreationTimestamp).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Upstream's scale: one active ReplicaSet takes the whole size; a saturated new one retires the old; otherwise
    /// the change is spread over active ReplicaSets in proportion to their size, the rounding leftover going to the largest.
    /// </summary>
    private async Task ScaleAsync(V1Deployment d, State state, CancellationToken ct)
    {
        var active = state.All.Where(rs => RsReplicas(rs) > 0).OrderByDescending(rs => rs.Metadata.CreationTimestamp).ToList();
        V1ReplicaSet? single = active.Count switch
        {
            0 => state.New ?? state.Old.OrderByDescending(rs => rs.Metadata.CreationTimestamp).FirstOrDefault(),
            1 => active[0],
            _ => null,
        };
        if (single is not null)
        {
            if (RsReplicas(single) != Replicas(d) || SetReplicasAnnotations(d, Objects.Clone(single)))
                await ScaleReplicaSetAsync(d, state, single, Replicas(d), ct);
            return;
        }
        if (IsSaturated(d, state.New))
        {
            foreach (var rs in state.Old.Where(rs => RsReplicas(rs) > 0).ToList()) await ScaleReplicaSetAsync(d, state, rs, 0, ct);
            return;
        }

        var allowed = Replicas(d) > 0 ? Replicas(d) + MaxSurge(d) : 0;
        var toAdd = allowed - active.Sum(RsReplicas);
        // Grow the biggest (newest on ties) first; shrink the biggest (oldest on ties) first.
        var ordered = toAdd > 0
            ? active.OrderByDescending(RsReplicas).ThenByDescending(rs => rs.Metadata.CreationTimestamp).ToList()
            : active.OrderByDescending(RsReplicas).ThenBy(rs => rs.Metadata.CreationTimestamp).ToList();
        var sizes = new Dictionary<string, int>();
        var added = 0;
        foreach (var rs in ordered)
        {
            var part = toAdd == 0 ? 0 : Proportion(d, rs, toAdd, added);
            sizes[rs.Metadata.Name] = RsReplicas(rs) + part;
            added += part;
        }
        if (toAdd != 0 && ordered.Count > 0)
        {
            var first = ordered[0].Metadata.Name;
            sizes[first] = Math.Max(0, sizes[first] + toAdd - added);
        }
        foreach (var rs in ordered) await ScaleReplicaSetAsync(d, state, rs, sizes[rs.Metadata.Name], ct);
    }

    private static int Proportion(V1Deployment d, V1ReplicaSet rs, int toAdd, int added)
    {
        if (RsReplicas(rs) == 0 || toAdd == added) return 0;
        int fraction;
        if (Replicas(d) == 0) fraction = -RsReplicas(rs);
        else
        {
            var target = Replicas(d) + MaxSurge(d);
            var annotated = int.TryParse(Objects.Annotation(rs.Metadata, MaxReplicasAnnotation), CultureInfo.InvariantCulture, out var a) ? a : d.Status?.Replicas ?? 0;
            fraction = annotated == 0 ? 0 : (int)Math.Round(RsReplicas(rs) * (double)target / annotated, MidpointRounding.AwayFromZero) - RsReplicas(rs);
        }
        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    /// <summary>Sets a ReplicaSet's size and replica annotations; returns whether the size changed.</summary>
    private async Task<bool> ScaleReplicaSetAsync(V1Deployment d, State state, V1ReplicaSet rs, int replicas, CancellationToken ct)
    {
        var copy = Objects.Clone(rs);
        var sizeChanged = RsReplicas(rs) != replicas;
        var annotationsChanged = SetReplicasAnnotations(d, copy);
        if (!sizeChanged && !annotationsChanged) return false;
        copy.Spec.Replicas = replicas;
        var updated = await context.Api.UpdateAsync(rs.Metadata.NamespaceProperty, rs.Metadata.Name, copy, ct);
        state.Replace(updated);
        if (sizeChanged)
        {
            var verb = replicas > RsReplicas(rs) ? "up" : "down";
            context.Events.Record(d, EventRecorder.Normal, "ScalingReplicaSet", $"Scaled {verb} replica set {rs.Metadata.Name} from {RsReplicas(rs)} to {replicas}");
            Log.Scaled(logger, rs.Metadata.Name, RsReplicas(rs), replicas);
        }
        return sizeChanged;
    }

    /// <summary>Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit.</summary>
    private async Task CleanupAsync(V1Deployment d, List<V1ReplicaSet> old, CancellationToken ct)
    {
        var cleanable = old.Where(rs => rs.Metadata.DeletionTimestamp is null).ToList();
        var excess = cleanable.Count - RevisionHistoryLimit(d);
        if (excess <= 0) return;
        foreach (var rs in cleanable.OrderBy(Revision).ThenBy(rs => rs.Metadata.CreationTimestamp).Take(excess))
        {
            if ((rs.Status?.Replicas ?? 0) != 0 || RsReplicas(rs) != 0 || rs.Metadata.Generation > (rs.Status?.ObservedGeneration ?? 0)) continue;
            await context.Api.DeleteAsync<V1ReplicaSet>(rs.Metadata.NamespaceProperty, rs.Metadata.Name, ct);
            Log.Pruned(logger, rs.Metadata.Name);
        }
    }

    /// <summary>Status without progress judgement (paused, resized, being deleted).</summary>
    private async Task SyncStatusAsync(V1Deployment d, List<V1ReplicaSet> all, V1ReplicaSet? newRs, CancellationToken ct)
    {
        var status = CalculateStatus(d, all, newRs, Now());
        await WriteStatusAsync(d, status, ct);
    }

    /// <summary>Upstream's syncRolloutStatus: status plus the Progressing condition, and a look-again at the deadline.</summary>
    private async Task<ReconcileResult> SyncRolloutStatusAsync(V1Deployment d, State state, CancellationToken ct)
    {
        var now = Now();
        var status = CalculateStatus(d, state.All, state.New, now);
        if (!HasProgressDeadline(d)) RemoveCondition(status, Progressing);
        var current = GetCondition(status, Progressing);
        var complete = status.Replicas == status.UpdatedReplicas && current?.Reason == NewReplicaSetAvailable;
        var name = state.New?.Metadata.Name;
        if (HasProgressDeadline(d) && !complete)
        {
            if (IsComplete(d, status))
            {
                SetCondition(status, Condition(Progressing, "True", NewReplicaSetAvailable, $"ReplicaSet \"{name}\" has successfully progressed.", now));
            }
            else if (IsProgressing(d, status))
            {
                var c = Condition(Progressing, "True", ReplicaSetUpdated, $"ReplicaSet \"{name}\" is progressing.", now);
                if (current?.Status == "True") c.LastTransitionTime = current.LastTransitionTime;
                RemoveCondition(status, Progressing);
                SetCondition(status, c);
            }
            else if (IsTimedOut(d, status, now))
            {
                SetCondition(status, Condition(Progressing, "False", ProgressDeadlineExceeded, $"ReplicaSet \"{name}\" has timed out progressing.", now));
            }
        }
        await WriteStatusAsync(d, status, ct);

        // Nothing will tell us when the deadline passes: look again then.
        var progressing = GetCondition(status, Progressing);
        if (!HasProgressDeadline(d) || IsComplete(d, status) || progressing is null
            || progressing.Reason is ProgressDeadlineExceeded or NewReplicaSetAvailable || progressing.LastUpdateTime is null)
            return ReconcileResult.Done;
        var left = Utc(progressing.LastUpdateTime.Value).AddSeconds(ProgressDeadlineSeconds(d)) - now;
        return ReconcileResult.After(left > TimeSpan.Zero ? left + TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1));
    }

    private async Task WriteStatusAsync(V1Deployment d, V1DeploymentStatus status, CancellationToken ct)
    {
        if (!deployments.TryGet(ObjectKey.Of(d), out var cached) || Objects.SemanticEquals(cached.Status, status)) return;
        d.Status = status;
        await context.Api.UpdateStatusAsync(d.Metadata.NamespaceProperty, d.Metadata.Name, d, ct);
    }

    /// <summary>This controller's log messages.</summary>
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Created ReplicaSet {ReplicaSet} for {Deployment} with {Replicas} replicas")]
        public static partial void CreatedReplicaSet(ILogger logger, string replicaSet, string deployment, int replicas);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Scaled ReplicaSet {ReplicaSet} from {From} to {To}")]
        public static partial void Scaled(ILogger logger, string replicaSet, int from, int to);

        [LoggerMessage(Level = LogLevel.Information, Message = "Deleted old ReplicaSet {ReplicaSet} beyond the revision history limit")]
        public static partial void Pruned(ILogger logger, string replicaSet);
    }
}
