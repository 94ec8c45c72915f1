using k8s.Models;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// A <c>metav1.LabelSelector</c> compiled once for fast matching. An empty selector matches everything; a missing
/// (null) selector matches nothing, as in pod affinity terms.
/// </summary>
public sealed class LabelSelectorMatcher
{
    private readonly (string Key, string Op, HashSet<string>? Values)[] requirements;
    private readonly bool matchesNothing;

    public static readonly LabelSelectorMatcher Nothing = new(null);

    public LabelSelectorMatcher(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            matchesNothing = true;
            requirements = [];
            return;
        }
        var list = new List<(string, string, HashSet<string>?)>();
        foreach (var (k, v) in selector.MatchLabels ?? new Dictionary<string, string>()) list.Add((k, "In", [v]));
        foreach (var e in selector.MatchExpressions ?? []) list.Add((e.Key, e.OperatorProperty, e.Values is null ? null : [.. e.Values]));
        requirements = [.. list];
    }

    public bool Matches(IDictionary<string, string>? labels)
    {
        if (matchesNothing) return false;
        foreach (var (key, op, values) in requirements)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetValue(key, out value);
            var ok = op switch
            {
                "In" => has && values is not null && values.Contains(value!),
                "NotIn" => !has || values is null || !values.Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }
}
