using System.Globalization;
using System.Text;
using Bosun.Controllers.Common;
using k8s.Models;

namespace Bosun.Controllers.Deployments;

/// <summary>
/// The Deployment controller's pure rules (upstream's deployment/util): defaults for fields the server may not have
/// filled, surge and unavailability fenceposts, template hashing and matching, revisions, and status conditions.
/// </summary>
internal static class DeploymentRules
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
    public const string RollbackToAnnotation = "deprecated.deployment.rollback.to";
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";
    public const string HashLabel = "pod-template-hash";

    public const string Available = "Available";
    public const string Progressing = "Progressing";
    public const string MinimumReplicasAvailable = "MinimumReplicasAvailable";
    public const string MinimumReplicasUnavailable = "MinimumReplicasUnavailable";
    public const string NewReplicaSetCreated = "NewReplicaSetCreated";
    public const string FoundNewReplicaSet = "FoundNewReplicaSet";
    public const string ReplicaSetUpdated = "ReplicaSetUpdated";
    public const string NewReplicaSetAvailable = "NewReplicaSetAvailable";
    public const string ProgressDeadlineExceeded = "ProgressDeadlineExceeded";
    public const string DeploymentPaused = "DeploymentPaused";
    public const string DeploymentResumed = "DeploymentResumed";

    /// <summary>Annotations that belong to the Deployment or the controller and are never copied onto a ReplicaSet.</summary>
    private static readonly HashSet<string> NotCopied =
        [LastAppliedAnnotation, RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation, MaxReplicasAnnotation, RollbackToAnnotation];

    // Defaults the API server applies; repeated here because the server may not have applied them (yet).
    public static int Replicas(V1Deployment d) => d.Spec?.Replicas ?? 1;
    public static int RsReplicas(V1ReplicaSet rs) => rs.Spec?.Replicas ?? 1;
    public static int RevisionHistoryLimit(V1Deployment d) => d.Spec?.RevisionHistoryLimit ?? 10;
    public static int ProgressDeadlineSeconds(V1Deployment d) => d.Spec?.ProgressDeadlineSeconds ?? 600;
    public static bool IsRecreate(V1Deployment d) => d.Spec?.Strategy?.Type == "Recreate";
    public static bool HasProgressDeadline(V1Deployment d) => ProgressDeadlineSeconds(d) != int.MaxValue;

    /// <summary>
    /// Upstream's ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down, and both zero would deadlock a
    /// rollout, so unavailability becomes one.
    /// </summary>
    public static (int Surge, int Unavailable) Fenceposts(V1Deployment d)
    {
        var replicas = Replicas(d);
        var surge = Scaled(d.Spec?.Strategy?.RollingUpdate?.MaxSurge, replicas, roundUp: true);
        var unavailable = Scaled(d.Spec?.Strategy?.RollingUpdate?.MaxUnavailable, replicas, roundUp: false);
        if (surge == 0 && unavailable == 0) unavailable = 1;
        return (surge, unavailable);
    }

    public static int MaxSurge(V1Deployment d) => IsRecreate(d) ? 0 : Fenceposts(d).Surge;

    public static int MaxUnavailable(V1Deployment d)
    {
        if (IsRecreate(d) || Replicas(d) == 0) return 0;
        return Math.Min(Fenceposts(d).Unavailable, Replicas(d));
    }

    /// <summary>An int-or-percent against a total; unset means the default 25%.</summary>
    public static int Scaled(IntOrString? value, int total, bool roundUp)
    {
        var text = value?.Value;
        if (string.IsNullOrEmpty(text)) text = "25%";
        if (!text.EndsWith('%')) return int.Parse(text, CultureInfo.InvariantCulture);
        var percent = double.Parse(text[..^1], CultureInfo.InvariantCulture);
        var exact = percent * total / 100.0;
        return (int)(roundUp ? Math.Ceiling(exact) : Math.Floor(exact));
    }

    /// <summary>
    /// A stable hash of the pod template (FNV-32a over canonical JSON plus the collision count), printed with the
    /// vowel-free alphabet upstream uses so it never spells words. Canonical JSON keeps it stable across restarts
    /// and across the order the server happens to store map keys in.
    /// </summary>
    public static string TemplateHash(V1PodTemplateSpec? template, int? collisionCount)
    {
        const uint offset = 2166136261, prime = 16777619;
        var hash = offset;
        var text = Objects.Canonical(template) + (collisionCount is { } c ? c.ToString(CultureInfo.InvariantCulture) : "");
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= prime;
        }
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(digits.Length);
        foreach (var ch in digits) sb.Append(alphabet[ch % alphabet.Length]);
        return sb.ToString();
    }

    /// <summary>Whether two templates are the same once the <c>pod-template-hash</c> label is ignored (how kubectl and we find the new RS).</summary>
    public static bool EqualIgnoringHash(V1PodTemplateSpec? a, V1PodTemplateSpec? b) => Objects.Canonical(WithoutHash(a)) == Objects.Canonical(WithoutHash(b));

    private static V1PodTemplateSpec? WithoutHash(V1PodTemplateSpec? t)
    {
        if (t is null) return null;
        var copy = Objects.Clone(t);
        copy.Metadata ??= new V1ObjectMeta();
        copy.Metadata.Labels?.Remove(HashLabel);
        if (copy.Metadata.Labels is { Count: 0 }) copy.Metadata.Labels = null;
        return copy;
    }

    public static long Revision(V1ReplicaSet rs) =>
        long.TryParse(Objects.Annotation(rs.Metadata, RevisionAnnotation), CultureInfo.InvariantCulture, out var r) ? r : 0;

    /// <summary>The oldest ReplicaSet whose template matches the Deployment's (oldest, so that duplicates resolve the same way every time).</summary>
    public static V1ReplicaSet? FindNew(V1Deployment d, IEnumerable<V1ReplicaSet> all) =>
        all.OrderBy(rs => rs.Metadata.CreationTimestamp).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault(rs => EqualIgnoringHash(rs.Spec?.Template, d.Spec?.Template));

    /// <summary>
    /// Brings a new ReplicaSet's annotations in line with its Deployment: copied user annotations, the revision (a
    /// reused old RS gets the next revision and remembers its old one in the history), and for a ReplicaSet not yet
    /// created, desired and max replicas. Returns whether anything changed.
    /// </summary>
    public static bool SetNewReplicaSetAnnotations(V1Deployment d, V1ReplicaSet rs, long newRevision, bool exists)
    {
        var a = rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var changed = false;
        foreach (var (k, v) in d.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (NotCopied.Contains(k) || (a.TryGetValue(k, out var cur) && cur == v)) continue;
            a[k] = v;
            changed = true;
        }
        var old = Objects.Annotation(rs.Metadata, RevisionAnnotation);
        var oldNumber = long.TryParse(old, CultureInfo.InvariantCulture, out var o) ? o : 0;
        if (oldNumber < newRevision)
        {
            a[RevisionAnnotation] = newRevision.ToString(CultureInfo.InvariantCulture);
            changed = true;
            if (!string.IsNullOrEmpty(old) && exists)
            {
                a[RevisionHistoryAnnotation] = a.TryGetValue(RevisionHistoryAnnotation, out var h) && h.Length > 0 ? h + "," + old : old;
            }
        }
        // Only a ReplicaSet about to be created gets replica annotations here; an existing one keeps the values it was
        // last scaled for, because proportional scaling reads them to know what it was sized against.
        if (!exists) changed |= SetReplicasAnnotations(d, rs);
        return changed;
    }

    /// <summary>desired-replicas and max-replicas, which proportional scaling reads back later.</summary>
    public static bool SetReplicasAnnotations(V1Deployment d, V1ReplicaSet rs)
    {
        var a = rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var desired = Replicas(d).ToString(CultureInfo.InvariantCulture);
        var max = (Replicas(d) + MaxSurge(d)).ToString(CultureInfo.InvariantCulture);
        var changed = false;
        if (Objects.Annotation(rs.Metadata, DesiredReplicasAnnotation) != desired) { a[DesiredReplicasAnnotation] = desired; changed = true; }
        if (Objects.Annotation(rs.Metadata, MaxReplicasAnnotation) != max) { a[MaxReplicasAnnotation] = max; changed = true; }
        return changed;
    }

    /// <summary>
    /// Upstream's NewRSNewReplicas for rolling updates: grow the new RS as far as the surge allows without exceeding
    /// the Deployment's replicas.
    /// </summary>
    public static int NewReplicaSetReplicas(V1Deployment d, IReadOnlyList<V1ReplicaSet> all, V1ReplicaSet newRs)
    {
        if (IsRecreate(d)) return Replicas(d);
        var current = all.Sum(RsReplicas);
        var maxTotal = Replicas(d) + MaxSurge(d);
        if (current >= maxTotal) return RsReplicas(newRs);
        var up = Math.Min(maxTotal - current, Replicas(d) - RsReplicas(newRs));
        return RsReplicas(newRs) + Math.Max(0, up);
    }

    public static bool IsSaturated(V1Deployment d, V1ReplicaSet? rs) =>
        rs is not null && RsReplicas(rs) == Replicas(d) && (rs.Status?.AvailableReplicas ?? 0) >= Replicas(d)
        && long.TryParse(Objects.Annotation(rs.Metadata, DesiredReplicasAnnotation), CultureInfo.InvariantCulture, out var want) && want == Replicas(d);

    /// <summary>Upstream's calculateStatus: counts summed over every ReplicaSet, plus the Available condition.</summary>
    public static V1DeploymentStatus CalculateStatus(V1Deployment d, IReadOnlyList<V1ReplicaSet> all, V1ReplicaSet? newRs, DateTime now)
    {
        var available = all.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        var status = new V1DeploymentStatus
        {
            ObservedGeneration = d.Metadata.Generation,
            Replicas = all.Sum(rs => rs.Status?.Replicas ?? 0),
            UpdatedReplicas = newRs?.Status?.Replicas ?? 0,
            ReadyReplicas = all.Sum(rs => rs.Status?.ReadyReplicas ?? 0),
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, all.Sum(RsReplicas) - available),
            CollisionCount = d.Status?.CollisionCount,
            Conditions = d.Status?.Conditions?.Select(Objects.Clone).ToList() ?? [],
        };
        if (available >= Replicas(d) - MaxUnavailable(d))
            SetCondition(status, Condition(Available, "True", MinimumReplicasAvailable, "Deployment has minimum availability.", now));
        else
            SetCondition(status, Condition(Available, "False", MinimumReplicasUnavailable, "Deployment does not have minimum availability.", now));
        return status;
    }

    /// <summary>All replicas updated and available, none old, and the latest spec observed.</summary>
    public static bool IsComplete(V1Deployment d, V1DeploymentStatus s) =>
        s.UpdatedReplicas == Replicas(d) && s.Replicas == Replicas(d) && s.AvailableReplicas == Replicas(d)
        && s.ObservedGeneration >= d.Metadata.Generation;

    /// <summary>Whether the rollout moved since the last recorded status (more updated, fewer old, more ready or available).</summary>
    public static bool IsProgressing(V1Deployment d, V1DeploymentStatus s)
    {
        var old = d.Status ?? new V1DeploymentStatus();
        var oldOld = (old.Replicas ?? 0) - (old.UpdatedReplicas ?? 0);
        var newOld = (s.Replicas ?? 0) - (s.UpdatedReplicas ?? 0);
        return (s.UpdatedReplicas ?? 0) > (old.UpdatedReplicas ?? 0) || newOld < oldOld
            || (s.ReadyReplicas ?? 0) > (old.ReadyReplicas ?? 0) || (s.AvailableReplicas ?? 0) > (old.AvailableReplicas ?? 0);
    }

    /// <summary>Whether the last progress is older than progressDeadlineSeconds.</summary>
    public static bool IsTimedOut(V1Deployment d, V1DeploymentStatus s, DateTime now)
    {
        if (!HasProgressDeadline(d)) return false;
        var c = GetCondition(s, Progressing);
        if (c is null || c.Reason == NewReplicaSetAvailable) return false;
        if (c.Reason == ProgressDeadlineExceeded) return true;
        var from = c.LastUpdateTime ?? c.LastTransitionTime;
        return from is not null && Utc(from.Value).AddSeconds(ProgressDeadlineSeconds(d)) < now;
    }

    public static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);

    public static V1DeploymentCondition? GetCondition(V1DeploymentStatus s, string type) => s.Conditions?.FirstOrDefault(c => c.Type == type);

    public static V1DeploymentCondition Condition(string type, string status, string reason, string message, DateTime now) => new()
    {
        Type = type, Status = status, Reason = reason, Message = message, LastUpdateTime = now, LastTransitionTime = now,
    };

    /// <summary>
    /// Upstream's SetDeploymentCondition: the same status and reason is no change at all (timestamps kept, so a
    /// repeated sync writes nothing); the same status keeps its transition time.
    /// </summary>
    public static void SetCondition(V1DeploymentStatus s, V1DeploymentCondition c)
    {
        s.Conditions ??= [];
        var current = GetCondition(s, c.Type);
        if (current is not null && current.Status == c.Status && current.Reason == c.Reason) return;
        if (current is not null && current.Status == c.Status) c.LastTransitionTime = current.LastTransitionTime;
        s.Conditions.Remove(current!);
        s.Conditions.Add(c);
    }

    public static void RemoveCondition(V1DeploymentStatus s, string type) => s.Conditions = s.Conditions?.Where(c => c.Type != type).ToList();
}
