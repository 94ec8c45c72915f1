using k8s.Models;

namespace Bosun.Controllers.HorizontalPodAutoscalers;

/// <summary>One scaling policy: at most <see cref="Value"/> pods or percent per <see cref="PeriodSeconds"/>.</summary>
internal sealed record ScalingPolicy(string Type, int Value, int PeriodSeconds);

/// <summary>The rules of one direction (autoscaling/v2 HPAScalingRules) with defaults applied.</summary>
internal sealed record ScalingRules(int StabilizationWindowSeconds, string SelectPolicy, IReadOnlyList<ScalingPolicy> Policies);

/// <summary>
/// An HPA's <c>behavior</c>, defaulted as upstream does: scale up without stabilization, by the larger of 4 pods or 100%
/// per 15 s; scale down after a 300 s stabilization window, by up to 100% per 15 s. A missing <c>behavior</c> gets the
/// same defaults (upstream's legacy path without behavior differs slightly: up by max(2×current, 4)).
/// </summary>
internal sealed record ScalingBehavior(ScalingRules ScaleUp, ScalingRules ScaleDown)
{
    public static readonly ScalingRules DefaultScaleUp = new(0, "Max", [new("Pods", 4, 15), new("Percent", 100, 15)]);
    public static readonly ScalingRules DefaultScaleDown = new(300, "Max", [new("Percent", 100, 15)]);
    public static readonly ScalingBehavior Default = new(DefaultScaleUp, DefaultScaleDown);

    public static ScalingBehavior From(V2HorizontalPodAutoscalerBehavior? behavior) =>
        new(Rules(behavior?.ScaleUp, DefaultScaleUp), Rules(behavior?.ScaleDown, DefaultScaleDown));

    private static ScalingRules Rules(V2HPAScalingRules? rules, ScalingRules defaults) => rules is null
        ? defaults
        : new ScalingRules(
            rules.StabilizationWindowSeconds ?? defaults.StabilizationWindowSeconds,
            rules.SelectPolicy ?? "Max",
            rules.Policies is { Count: > 0 } p ? p.Select(x => new ScalingPolicy(x.Type, x.Value, x.PeriodSeconds)).ToList() : defaults.Policies);
}

/// <summary>What the controller remembers of one HPA between syncs (upstream keeps this in memory too).</summary>
internal sealed class ScalingHistory
{
    public List<(DateTimeOffset At, int Replicas)> Recommendations { get; } = [];
    public List<(DateTimeOffset At, int Change)> ScaleUps { get; } = [];
    public List<(DateTimeOffset At, int Change)> ScaleDowns { get; } = [];

    /// <summary>Records a rescale from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public void RecordScale(DateTimeOffset at, int from, int to)
    {
        if (to > from) ScaleUps.Add((at, to - from));
        else if (to < from) ScaleDowns.Add((at, from - to));
    }
}

/// <summary>The outcome of normalization: the replica count to set and the reasons for the AbleToScale and ScalingLimited conditions.</summary>
internal sealed record Normalized(int Replicas, string AbleReason, string AbleMessage, bool Limited, string LimitedReason, string LimitedMessage);

/// <summary>
/// Upstream's <c>normalizeDesiredReplicasWithBehaviors</c>: stabilize the recommendation over the windows (scale up to
/// the lowest, scale down to the highest recommendation within each window), then limit the rate by the policies
/// (counting the scale events inside each policy's period) and clamp to min/max replicas.
/// </summary>
internal static class ScalingNormalizer
{
    public static Normalized Normalize(ScalingBehavior behavior, ScalingHistory history, DateTimeOffset now,
        int current, int desired, int minReplicas, int maxReplicas)
    {
        var stabilized = Stabilize(behavior, history, now, current, desired);
        var (ableReason, ableMessage) = stabilized == desired
            ? ("ReadyForNewScale", "recommended size matches current size")
            : desired < current || stabilized > desired
                ? ("ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
                : ("ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation");
        var (replicas, reason, message) = LimitRate(behavior, history, now, current, stabilized, minReplicas, maxReplicas);
        return new Normalized(replicas, ableReason, ableMessage, replicas != stabilized, reason, message);
    }

    public static int Stabilize(ScalingBehavior behavior, ScalingHistory history, DateTimeOffset now, int current, int desired)
    {
        var upCutoff = now.AddSeconds(-behavior.ScaleUp.StabilizationWindowSeconds);
        var downCutoff = now.AddSeconds(-behavior.ScaleDown.StabilizationWindowSeconds);
        int up = desired, down = desired;
        foreach (var (at, replicas) in history.Recommendations)
        {
            if (at > upCutoff) up = Math.Min(up, replicas);
            if (at > downCutoff) down = Math.Max(down, replicas);
        }
        var recommendation = current;
        if (recommendation < up) recommendation = up;
        if (recommendation > down) recommendation = down;
        // Keep only what a window can still see.
        var keep = now.AddSeconds(-Math.Max(behavior.ScaleUp.StabilizationWindowSeconds, behavior.ScaleDown.StabilizationWindowSeconds));
        history.Recommendations.RemoveAll(r => r.At <= keep);
        history.Recommendations.Add((now, desired));
        return recommendation;
    }

    private static (int Replicas, string Reason, string Message) LimitRate(ScalingBehavior behavior, ScalingHistory history, DateTimeOffset now,
        int current, int desired, int minReplicas, int maxReplicas)
    {
        Prune(history, behavior, now);
        if (desired > current)
        {
            var limit = Math.Max(ScaleUpLimit(current, history, behavior.ScaleUp, now), current);
            var (allowed, reason, message) = maxReplicas > limit
                ? (limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                : (maxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
            if (desired > allowed) return (allowed, reason, message);
        }
        else if (desired < current)
        {
            var limit = Math.Min(ScaleDownLimit(current, history, behavior.ScaleDown, now), current);
            var (allowed, reason, message) = minReplicas < limit
                ? (limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                : (minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
            if (desired < allowed) return (allowed, reason, message);
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    public static int ScaleUpLimit(int current, ScalingHistory history, ScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled") return current;
        var min = rules.SelectPolicy == "Min";
        var result = min ? int.MaxValue : int.MinValue;
        foreach (var policy in rules.Policies)
        {
            var start = current - Changed(history.ScaleUps, policy, now) + Changed(history.ScaleDowns, policy, now);
            var proposed = policy.Type == "Pods" ? start + policy.Value : (int)Math.Ceiling(start * (1 + policy.Value / 100.0));
            result = min ? Math.Min(result, proposed) : Math.Max(result, proposed);
        }
        return result;
    }

    public static int ScaleDownLimit(int current, ScalingHistory history, ScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled") return current;
        var min = rules.SelectPolicy == "Min";
        var result = min ? int.MinValue : int.MaxValue;
        foreach (var policy in rules.Policies)
        {
            var start = current + Changed(history.ScaleDowns, policy, now) - Changed(history.ScaleUps, policy, now);
            var proposed = policy.Type == "Pods" ? start - policy.Value : (int)(start * (1 - policy.Value / 100.0));
            result = min ? Math.Max(result, proposed) : Math.Min(result, proposed);
        }
        return result;
    }

    private static int Changed(List<(DateTimeOffset At, int Change)> events, ScalingPolicy policy, DateTimeOffset now)
    {
        var cutoff = now.AddSeconds(-policy.PeriodSeconds);
        return events.Where(e => e.At > cutoff).Sum(e => e.Change);
    }

    private static void Prune(ScalingHistory history, ScalingBehavior behavior, DateTimeOffset now)
    {
        var longest = behavior.ScaleUp.Policies.Concat(behavior.ScaleDown.Policies).Select(p => p.PeriodSeconds).DefaultIfEmpty(0).Max();
        var cutoff = now.AddSeconds(-longest);
        history.ScaleUps.RemoveAll(e => e.At <= cutoff);
        history.ScaleDowns.RemoveAll(e => e.At <= cutoff);
    }
}
