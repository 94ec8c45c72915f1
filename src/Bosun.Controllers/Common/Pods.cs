using k8s.Models;

namespace Bosun.Controllers.Common;

/// <summary>Pod state as the workload controllers judge it (upstream's podutil).</summary>
internal static class Pods
{
    /// <summary>Counts toward replicas: not finished and not being deleted.</summary>
    public static bool IsActive(V1Pod pod) =>
        pod.Status?.Phase is not ("Succeeded" or "Failed") && pod.Metadata.DeletionTimestamp is null;

    public static V1PodCondition? ReadyCondition(V1Pod pod) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");

    public static bool IsReady(V1Pod pod) => ReadyCondition(pod)?.Status == "True";

    /// <summary>
    /// Ready for at least <paramref name="minReadySeconds"/>, measured from the Ready condition's last transition.
    /// A missing transition time counts as "long enough", as upstream does.
    /// </summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod)) return false;
        if (minReadySeconds <= 0) return true;
        var since = ReadyCondition(pod)?.LastTransitionTime;
        return since is null || new DateTimeOffset(DateTime.SpecifyKind(since.Value, DateTimeKind.Utc)).AddSeconds(minReadySeconds) <= now;
    }

    /// <summary>How long until a ready pod becomes available, or null when it already is or never will be by waiting.</summary>
    public static TimeSpan? UntilAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        if (!IsReady(pod) || minReadySeconds <= 0) return null;
        var since = ReadyCondition(pod)?.LastTransitionTime;
        if (since is null) return null;
        var at = new DateTimeOffset(DateTime.SpecifyKind(since.Value, DateTimeKind.Utc)).AddSeconds(minReadySeconds);
        return at > now ? at - now : null;
    }
}
