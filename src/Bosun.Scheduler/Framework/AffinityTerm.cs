using k8s.Models;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// A pod (anti-)affinity term, compiled: which pods it selects (label selector and namespaces), over which topology
/// key, with which weight (preferred terms). Namespaces: the listed ones, all of them for an empty namespaceSelector,
/// otherwise the owning pod's namespace. (A non-empty namespaceSelector is not evaluated; only listed namespaces count.)
/// </summary>
public sealed class AffinityTerm
{
    private readonly HashSet<string>? namespaces;   // null: every namespace

    public AffinityTerm(V1PodAffinityTerm term, string podNamespace, int weight = 1)
    {
        Selector = new LabelSelectorMatcher(term.LabelSelector);
        TopologyKey = term.TopologyKey ?? "";
        Weight = weight;
        if (term.NamespaceSelector is { } nsSel && (nsSel.MatchLabels is null or { Count: 0 }) && (nsSel.MatchExpressions is null or { Count: 0 }))
            namespaces = null;
        else if (term.Namespaces is { Count: > 0 } || term.NamespaceSelector is not null)
            namespaces = [.. term.Namespaces ?? []];
        else
            namespaces = [podNamespace];
    }

    public LabelSelectorMatcher Selector { get; }
    public string TopologyKey { get; }
    public int Weight { get; }

    public bool Matches(PodInfo pod) => (namespaces is null || namespaces.Contains(pod.Namespace)) && Selector.Matches(pod.Labels);
}
