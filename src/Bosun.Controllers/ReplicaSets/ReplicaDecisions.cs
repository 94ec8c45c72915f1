using k8s.Models;
using Bosun.Controllers.Common;

namespace Bosun.Controllers.ReplicaSets;

/// <summary>The replica controller's pure decisions: which pods go first, and what status to report.</summary>
internal static class ReplicaDecisions
{
    /// <summary>Upstream's burstReplicas: at most this many creations or deletions per sync.</summary>
    public const int BurstReplicas = 500;

    /// <summary>
    /// The <paramref name="count"/> pods to delete, cheapest loss first (upstream's ActivePodsWithRanks): unscheduled
    /// before scheduled, pending before running, not ready before ready, lower pod-deletion-cost before higher, pods
    /// doubled up on a node before lone ones,
    /// recently ready before long ready, more restarts before fewer, newer before older.
    /// </summary>
    public static List<V1Pod> ChoosePodsToDelete(IReadOnlyList<V1Pod> active, int count)
    {
        var perNode = active.Where(p => !string.IsNullOrEmpty(p.Spec?.NodeName))
            .GroupBy(p => p.Spec!.NodeName).ToDictionary(g => g.Key, g => g.Count());
        var ranked = active.ToList();
        ranked.Sort((a, b) => CompareForDeletion(a, b, perNode));
        return ranked.Take(count).ToList();
    }

    private static int CompareForDeletion(V1Pod a, V1Pod b, Dictionary<string, int> perNode)
    {
        var c = Assigned(a).CompareTo(Assigned(b));
        if (c != 0) return c;
        c = PhaseRank(a).CompareTo(PhaseRank(b));
        if (c != 0) return c;
        c = Pods.IsReady(a).CompareTo(Pods.IsReady(b));
        if (c != 0) return c;
        c = DeletionCost(a).CompareTo(DeletionCost(b));
        if (c != 0) return c;
        c = Colocated(b, perNode).CompareTo(Colocated(a, perNode));   // more pods on the node goes first
        if (c != 0) return c;
        if (Pods.IsReady(a) && Pods.IsReady(b))
        {
            c = Nullable.Compare(Pods.ReadyCondition(b)?.LastTransitionTime, Pods.ReadyCondition(a)?.LastTransitionTime);
            if (c != 0) return c;
        }
        c = Restarts(b).CompareTo(Restarts(a));
        if (c != 0) return c;
        return Nullable.Compare(b.Metadata.CreationTimestamp, a.Metadata.CreationTimestamp);
    }

    /// <summary>The user's hint (<c>controller.kubernetes.io/pod-deletion-cost</c>): cheaper pods go first; unset or invalid is 0.</summary>
    private static int DeletionCost(V1Pod p) =>
        int.TryParse(Objects.Annotation(p.Metadata, "controller.kubernetes.io/pod-deletion-cost"), System.Globalization.CultureInfo.InvariantCulture, out var cost) ? cost : 0;

    private static bool Assigned(V1Pod p) => !string.IsNullOrEmpty(p.Spec?.NodeName);

    private static int Colocated(V1Pod p, Dictionary<string, int> perNode) =>
        Assigned(p) ? perNode.GetValueOrDefault(p.Spec!.NodeName) : 0;

    private static int PhaseRank(V1Pod p) => p.Status?.Phase switch
    {
        "Pending" or null => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => 3,
    };

    private static int Restarts(V1Pod p) => p.Status?.ContainerStatuses?.Select(s => s.RestartCount).DefaultIfEmpty(0).Max() ?? 0;

    /// <summary>The status counts for the active pods a ReplicaSet controls.</summary>
    public static ReplicaStatus ComputeStatus(IReadOnlyList<V1Pod> active, IDictionary<string, string>? templateLabels,
        int minReadySeconds, long? generation, DateTimeOffset now) => new(
            active.Count,
            active.Count(p => HasAll(p.Metadata.Labels, templateLabels)),
            active.Count(Pods.IsReady),
            active.Count(p => Pods.IsAvailable(p, minReadySeconds, now)),
            generation);

    private static bool HasAll(IDictionary<string, string>? labels, IDictionary<string, string>? wanted) =>
        wanted is null || wanted.All(kv => labels is not null && labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Slow start: create in batches of 1, 2, 4, … so a failing create (quota, bad template) costs one call, not hundreds.</summary>
    public static IEnumerable<int> SlowStartBatches(int total)
    {
        var batch = 1;
        while (total > 0)
        {
            var n = Math.Min(batch, total);
            yield return n;
            total -= n;
            batch *= 2;
        }
    }
}
