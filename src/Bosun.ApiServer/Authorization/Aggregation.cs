using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// ClusterRole aggregation (upstream's clusterroleaggregation controller): a role with an aggregationRule gets the
/// rules of every other ClusterRole its selectors match, deduplicated, in role-name order. Aggregated roles can feed
/// each other (view into edit into admin), so this iterates to a fixed point.
/// </summary>
internal static class Aggregation
{
    /// <summary>The rules each role should have: its own when it aggregates nothing, the union of its sources otherwise.</summary>
    public static Dictionary<string, IReadOnlyList<PolicyRule>> Compute(IReadOnlyList<RbacRole> roles)
    {
        var rules = roles.ToDictionary(r => r.Name, r => r.Rules);
        var aggregating = roles.Where(r => r.AggregationSelectors is not null).ToList();
        var selectors = aggregating.ToDictionary(r => r.Name, r => r.AggregationSelectors!.Select(Parse).ToList());
        for (var pass = 0; pass <= aggregating.Count; pass++)
        {
            var changed = false;
            foreach (var role in aggregating)
            {
                var combined = roles
                    .Where(other => other.Name != role.Name && selectors[role.Name].Any(s => s.Matches(other.Labels)))
                    .OrderBy(other => other.Name, StringComparer.Ordinal)
                    .SelectMany(other => rules[other.Name])
                    .Distinct(RuleComparer.Instance)
                    .ToList();
                if (combined.SequenceEqual(rules[role.Name], RuleComparer.Instance)) continue;
                rules[role.Name] = combined;
                changed = true;
            }
            if (!changed) break;
        }
        return rules;
    }

    private static LabelSelector Parse(JsonObject selector) =>
        LabelSelector.FromLabelSelector(System.Text.Json.JsonSerializer.Deserialize<k8s.Models.V1LabelSelector>(selector));

    /// <summary>Rules compare by value (records compare their lists by reference).</summary>
    internal sealed class RuleComparer : IEqualityComparer<PolicyRule>
    {
        public static readonly RuleComparer Instance = new();

        public bool Equals(PolicyRule? x, PolicyRule? y) => x is not null && y is not null && Key(x) == Key(y);

        public int GetHashCode(PolicyRule r) => Key(r).GetHashCode(StringComparison.Ordinal);

        private static string Key(PolicyRule r) => string.Join("|", new[] { r.Verbs, r.ApiGroups, r.Resources, r.ResourceNames, r.NonResourceUrls }
            .Select(l => string.Join(",", l)));
    }
}
