using k8s.Models;

namespace Bosun.Controllers.NodeLifecycle;

/// <summary>The node lifecycle taints and the toleration rules (upstream's v1helper.TolerationsTolerateTaint).</summary>
internal static class Taints
{
    public const string Unreachable = "node.kubernetes.io/unreachable";
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string NoSchedule = "NoSchedule";
    public const string NoExecute = "NoExecute";

    public static bool Tolerates(V1Toleration t, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(t.Effect) && t.Effect != taint.Effect) return false;
        if (!string.IsNullOrEmpty(t.Key) && t.Key != taint.Key) return false;
        return t.OperatorProperty switch
        {
            "Exists" => true,
            null or "" or "Equal" => !string.IsNullOrEmpty(t.Key) && (t.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        };
    }

    /// <summary>
    /// When a pod on a node with these NoExecute taints must go: now if some taint is not tolerated, never (null) if
    /// every matching toleration is unbounded, else the earliest of taint.timeAdded + tolerationSeconds.
    /// </summary>
    public static DateTimeOffset? EvictionTime(V1Pod pod, IEnumerable<V1Taint> noExecute, DateTimeOffset now)
    {
        DateTimeOffset? earliest = null;
        foreach (var taint in noExecute)
        {
            var matching = (pod.Spec?.Tolerations ?? []).Where(t => Tolerates(t, taint)).ToList();
            if (matching.Count == 0) return now;
            // Of several matching tolerations the most lenient wins; no tolerationSeconds means forever.
            if (matching.Any(t => t.TolerationSeconds is null)) continue;
            var seconds = Math.Max(0, matching.Max(t => t.TolerationSeconds!.Value));
            var added = taint.TimeAdded is { } a ? new DateTimeOffset(DateTime.SpecifyKind(a, DateTimeKind.Utc)) : now;
            var at = added + TimeSpan.FromSeconds(seconds);
            if (earliest is null || at < earliest) earliest = at;
        }
        return earliest;
    }
}
