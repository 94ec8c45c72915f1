using k8s.Models;

namespace Bosun.Scheduler.Framework;

/// <summary>A topology spread constraint, compiled (labelSelector plus matchLabelKeys taken from the pod's labels).</summary>
public sealed class SpreadConstraint
{
    public SpreadConstraint(V1TopologySpreadConstraint c, IDictionary<string, string> podLabels)
    {
        MaxSkew = c.MaxSkew;
        TopologyKey = c.TopologyKey;
        DoNotSchedule = c.WhenUnsatisfiable != "ScheduleAnyway";
        MinDomains = c.MinDomains ?? 1;
        HonorNodeAffinity = c.NodeAffinityPolicy is null or "Honor";
        HonorNodeTaints = c.NodeTaintsPolicy == "Honor";
        var selector = c.LabelSelector;
        if (selector is not null && c.MatchLabelKeys is { Count: > 0 })
        {
            var expressions = new List<V1LabelSelectorRequirement>(selector.MatchExpressions ?? []);
            foreach (var key in c.MatchLabelKeys)
                if (podLabels.TryGetValue(key, out var v)) expressions.Add(new V1LabelSelectorRequirement { Key = key, OperatorProperty = "In", Values = [v] });
            selector = new V1LabelSelector { MatchExpressions = expressions, MatchLabels = selector.MatchLabels };
        }
        Selector = new LabelSelectorMatcher(selector);
    }

    public int MaxSkew { get; }
    public string TopologyKey { get; }
    public bool DoNotSchedule { get; }
    public int MinDomains { get; }
    public bool HonorNodeAffinity { get; }
    public bool HonorNodeTaints { get; }
    public LabelSelectorMatcher Selector { get; }
}
