using Bosun.Client;
using k8s.Models;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// A pod with everything the plugins need worked out once: its requests (init containers' maximum, plus overhead),
/// tolerations, compiled node selector and affinity terms, topology spread constraints. Plugins read this, never the
/// raw spec, so a cycle over thousands of nodes allocates nothing per node.
/// </summary>
public sealed class PodInfo
{
    private static readonly Dictionary<string, string> NoLabels = [];

    public PodInfo(V1Pod pod)
    {
        Pod = pod;
        Key = ObjectKey.Of(pod);
        Namespace = pod.Metadata.NamespaceProperty ?? "default";
        Labels = pod.Metadata.Labels ?? NoLabels;
        var spec = pod.Spec ?? new V1PodSpec();
        Priority = spec.Priority ?? 0;
        NodeName = spec.NodeName;
        (Requests, NonZeroRequests) = ComputeRequests(spec);
        Tolerations = spec.Tolerations?.ToArray() ?? [];

        var terms = new List<V1NodeSelectorTerm>();
        if (spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms is { } required)
            terms.AddRange(required);
        RequiredNodeAffinity = terms.Count > 0 || spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution is not null
            ? new NodeSelectorMatcher(terms) : null;
        NodeSelector = spec.NodeSelector is { Count: > 0 } ns ? [.. ns] : [];
        var preferred = spec.Affinity?.NodeAffinity?.PreferredDuringSchedulingIgnoredDuringExecution ?? [];
        PreferredNodeAffinity = new NodeSelectorMatcher(preferred.Select(p => p.Preference));
        PreferredNodeAffinityWeights = preferred.Select(p => p.Weight).ToArray();

        var pa = spec.Affinity?.PodAffinity;
        var paa = spec.Affinity?.PodAntiAffinity;
        RequiredAffinity = (pa?.RequiredDuringSchedulingIgnoredDuringExecution ?? []).Select(t => new AffinityTerm(t, Namespace)).ToArray();
        RequiredAntiAffinity = (paa?.RequiredDuringSchedulingIgnoredDuringExecution ?? []).Select(t => new AffinityTerm(t, Namespace)).ToArray();
        PreferredAffinity = (pa?.PreferredDuringSchedulingIgnoredDuringExecution ?? [])
            .Select(t => new AffinityTerm(t.PodAffinityTerm, Namespace, t.Weight)).ToArray();
        PreferredAntiAffinity = (paa?.PreferredDuringSchedulingIgnoredDuringExecution ?? [])
            .Select(t => new AffinityTerm(t.PodAffinityTerm, Namespace, t.Weight)).ToArray();
        SpreadConstraints = (spec.TopologySpreadConstraints ?? []).Select(c => new SpreadConstraint(c, Labels)).ToArray();
    }

    public V1Pod Pod { get; }
    public ObjectKey Key { get; }
    public string Namespace { get; }
    public IDictionary<string, string> Labels { get; }
    public int Priority { get; }
    public string? NodeName { get; }

    /// <summary>What the pod needs on a node: max(sum of containers, largest init container) + overhead.</summary>
    public Resources Requests { get; }

    /// <summary>As <see cref="Requests"/> with scoring defaults for containers that request nothing.</summary>
    public Resources NonZeroRequests { get; }

    public V1Toleration[] Tolerations { get; }
    public KeyValuePair<string, string>[] NodeSelector { get; }
    public NodeSelectorMatcher? RequiredNodeAffinity { get; }
    public NodeSelectorMatcher PreferredNodeAffinity { get; }
    public int[] PreferredNodeAffinityWeights { get; }
    public AffinityTerm[] RequiredAffinity { get; }
    public AffinityTerm[] RequiredAntiAffinity { get; }
    public AffinityTerm[] PreferredAffinity { get; }
    public AffinityTerm[] PreferredAntiAffinity { get; }
    public SpreadConstraint[] SpreadConstraints { get; }

    public bool HasRequiredAntiAffinity => RequiredAntiAffinity.Length > 0;

    public bool HasAffinity => RequiredAffinity.Length + RequiredAntiAffinity.Length + PreferredAffinity.Length + PreferredAntiAffinity.Length > 0;

    /// <summary>Whether the pod's nodeSelector and required node affinity both accept the node.</summary>
    public bool MatchesNodeSelectorAndAffinity(NodeInfo node)
    {
        foreach (var (k, v) in NodeSelector)
            if (!node.Labels.TryGetValue(k, out var actual) || actual != v) return false;
        return RequiredNodeAffinity is null || RequiredNodeAffinity.Matches(node);
    }

    private static (Resources Requests, Resources NonZero) ComputeRequests(V1PodSpec spec)
    {
        Resources sum = default, nonZero = default;
        foreach (var c in spec.Containers ?? [])
        {
            sum += Resources.From(c.Resources?.Requests);
            nonZero += Resources.NonZeroFrom(c.Resources?.Requests);
        }
        foreach (var c in spec.InitContainers ?? [])
        {
            sum = Resources.Max(sum, Resources.From(c.Resources?.Requests));
            nonZero = Resources.Max(nonZero, Resources.NonZeroFrom(c.Resources?.Requests));
        }
        var overhead = Resources.From(spec.Overhead);
        return (sum + overhead, nonZero + overhead);
    }
}
