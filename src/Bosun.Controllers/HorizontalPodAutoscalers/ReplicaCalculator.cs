namespace Bosun.Controllers.HorizontalPodAutoscalers;

/// <summary>What the replica calculation needs of one pod: its phase, readiness and summed container request of the resource.</summary>
/// <param name="Request">The sum of the containers' requests; null when a container has none (Utilization then fails).</param>
internal sealed record PodInput(string Name, string Phase, bool Ready, bool Deleting, decimal? Request);

/// <summary>A resource metric target: utilization in percent of request, or an average value (cores, bytes).</summary>
internal sealed record ResourceTarget(string Resource, int? AverageUtilization, decimal? AverageValue)
{
    public bool IsUtilization => AverageUtilization is not null;

    /// <summary>How upstream names the metric in events and conditions.</summary>
    public string Description => IsUtilization ? $"{Resource} resource utilization (percentage of request)" : $"{Resource} resource";
}

/// <summary>One metric's proposal: the replica count and the current value (utilization percent and average usage).</summary>
internal sealed record MetricProposal(int Replicas, int? Utilization, decimal AverageValue);

/// <summary>The calculation could not be made (no pods, no metrics, a missing request); upstream's messages.</summary>
internal sealed class MetricException(string message) : Exception(message);

/// <summary>
/// kube-controller-manager's replica calculator for resource metrics (pkg/controller/podautoscaler/replica_calculator.go):
/// <c>desired = ceil(ready × usage/target)</c>, no change inside the tolerance (0.1). Pods are grouped as upstream does,
/// simplified: deleting or Failed pods are ignored; Pending pods, and for CPU pods that are not Ready, are "unready" (upstream
/// also weighs CPU initialization time, not modelled); Running pods without a sample are "missing". When the ratio would
/// scale up, unready and missing pods count at zero usage; when it would scale down, missing pods count at the target
/// (≥100% of request). If that rebalancing crosses 1.0 or lands in the tolerance, the current count stays.
/// </summary>
internal static class ReplicaCalculator
{
    public const double Tolerance = 0.1;

    public static MetricProposal Calculate(int currentReplicas, ResourceTarget target, IReadOnlyList<PodInput> pods,
        IReadOnlyDictionary<string, decimal> usage)
    {
        if (pods.Count == 0) throw new MetricException("no pods returned by selector while calculating replica count");
        var metrics = new Dictionary<string, decimal>();
        var unready = new List<PodInput>();
        var missing = new List<PodInput>();
        var readyCount = 0;
        foreach (var pod in pods)
        {
            if (pod.Deleting || pod.Phase == "Failed") continue;
            if (pod.Phase == "Pending" || (target.Resource == "cpu" && !pod.Ready))
            {
                unready.Add(pod);
                continue;
            }
            if (!usage.TryGetValue(pod.Name, out var value))
            {
                missing.Add(pod);
                continue;
            }
            metrics[pod.Name] = value;
            readyCount++;
        }
        if (metrics.Count == 0) throw new MetricException("did not receive metrics for targeted pods (pods might be unready)");
        var requests = pods.ToDictionary(p => p.Name, p => p.Request);
        if (target.IsUtilization)
            foreach (var name in metrics.Keys.Concat(missing.Select(p => p.Name)).Concat(unready.Select(p => p.Name)))
                if (requests[name] is null or <= 0) throw new MetricException($"missing request for {target.Resource} in pod {name}");

        var (ratio, utilization, average) = Ratio(target, metrics, requests);
        var scaleUpWithUnready = unready.Count > 0 && ratio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            if (Math.Abs(1.0 - ratio) <= Tolerance) return new(currentReplicas, utilization, average);
            return new((int)Math.Ceiling(ratio * readyCount), utilization, average);
        }
        if (missing.Count > 0)
        {
            foreach (var pod in missing)
            {
                if (ratio < 1.0)
                    metrics[pod.Name] = target.IsUtilization
                        ? Math.Max(100, target.AverageUtilization!.Value) * requests[pod.Name]!.Value / 100m
                        : target.AverageValue!.Value;
                else if (ratio > 1.0)
                    metrics[pod.Name] = 0;
            }
        }
        if (scaleUpWithUnready)
            foreach (var pod in unready) metrics[pod.Name] = 0;
        var (newRatio, _, _) = Ratio(target, metrics, requests);
        if (Math.Abs(1.0 - newRatio) <= Tolerance || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0))
            return new(currentReplicas, utilization, average);
        var replicas = (int)Math.Ceiling(newRatio * metrics.Count);
        if ((newRatio < 1.0 && replicas > currentReplicas) || (newRatio > 1.0 && replicas < currentReplicas))
            return new(currentReplicas, utilization, average);
        return new(replicas, utilization, average);
    }

    /// <summary>Usage over target; utilization is truncated to whole percent first, as upstream does.</summary>
    private static (double Ratio, int? Utilization, decimal Average) Ratio(ResourceTarget target, Dictionary<string, decimal> metrics,
        Dictionary<string, decimal?> requests)
    {
        var total = metrics.Values.Sum();
        var average = total / metrics.Count;
        if (!target.IsUtilization) return ((double)(average / target.AverageValue!.Value), null, average);
        var requested = metrics.Keys.Sum(n => requests[n]!.Value);
        var utilization = (int)(total * 100 / requested);
        return (utilization / (double)target.AverageUtilization!.Value, utilization, average);
    }
}
