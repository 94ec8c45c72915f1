using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler.Plugins.InterPodAffinity;

/// <summary>
/// Pod affinity and anti-affinity by topology domain. Required terms filter: the pod's affinity terms need a
/// matching pod in the node's domain, its anti-affinity terms need none, and no existing pod's anti-affinity may
/// select the pod. Preferred terms (both ways) score domains by summed weights, normalized to 0–100.
/// </summary>
public sealed class InterPodAffinityPlugin : IPreFilterPlugin, IFilterPlugin, IPreScorePlugin, INormalizeScorePlugin
{
    public const string AffinityReason = "node(s) didn't match pod affinity rules";
    public const string AntiAffinityReason = "node(s) didn't match pod anti-affinity rules";
    public const string ExistingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules";

    /// <summary>The weight an existing pod's required affinity term gives when scoring (upstream hardPodAffinityWeight).</summary>
    public const int HardPodAffinityWeight = 1;

    private const string FilterKey = "InterPodAffinity/filter";
    private const string ScoreKey = "InterPodAffinity/score";

    public string Name => "InterPodAffinity";

    private sealed class FilterState
    {
        public readonly Dictionary<(string, string), int> ExistingAntiAffinity = [];
        public readonly Dictionary<(string, string), int> Affinity = [];
        public readonly Dictionary<(string, string), int> AntiAffinity = [];
        public bool PodMatchesOwnAffinity;
    }

    private sealed class ScoreState
    {
        public readonly Dictionary<(string, string), long> Topology = [];
    }

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot nodes)
    {
        var hasTerms = pod.RequiredAffinity.Length > 0 || pod.RequiredAntiAffinity.Length > 0;
        if (!hasTerms && nodes.PodsWithRequiredAntiAffinity == 0) return Status.Success;   // nothing to check anywhere
        FilterState? s = null;
        foreach (var node in nodes)
        {
            foreach (var existing in node.PodsWithRequiredAntiAffinity)
                foreach (var term in existing.RequiredAntiAffinity)
                    if (term.Matches(pod) && node.Labels.TryGetValue(term.TopologyKey, out var v))
                        Increment((s ??= new()).ExistingAntiAffinity, (term.TopologyKey, v));
            if (!hasTerms) continue;
            foreach (var existing in node.Pods)
            {
                foreach (var term in pod.RequiredAffinity)
                    if (term.Matches(existing) && node.Labels.TryGetValue(term.TopologyKey, out var v))
                        Increment((s ??= new()).Affinity, (term.TopologyKey, v));
                foreach (var term in pod.RequiredAntiAffinity)
                    if (term.Matches(existing) && node.Labels.TryGetValue(term.TopologyKey, out var v))
                        Increment((s ??= new()).AntiAffinity, (term.TopologyKey, v));
            }
        }
        if (hasTerms)
        {
            s ??= new();
            s.PodMatchesOwnAffinity = pod.RequiredAffinity.Length > 0 && pod.RequiredAffinity.All(t => t.Matches(pod));
        }
        if (s is not null) state.Write(FilterKey, s);
        return Status.Success;
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<FilterState>(FilterKey);
        if (s is null) return Status.Success;
        if (!SatisfiesAffinity(s, pod, node)) return Status.UnschedulableAndUnresolvable(AffinityReason);
        foreach (var term in pod.RequiredAntiAffinity)
            if (node.Labels.TryGetValue(term.TopologyKey, out var v) && s.AntiAffinity.GetValueOrDefault((term.TopologyKey, v)) > 0)
                return Status.Unschedulable(AntiAffinityReason);
        foreach (var ((key, value), count) in s.ExistingAntiAffinity)
            if (count > 0 && node.Labels.TryGetValue(key, out var v) && v == value)
                return Status.Unschedulable(ExistingAntiAffinityReason);
        return Status.Success;
    }

    private static bool SatisfiesAffinity(FilterState s, PodInfo pod, NodeInfo node)
    {
        var all = true;
        foreach (var term in pod.RequiredAffinity)
        {
            if (!node.Labels.TryGetValue(term.TopologyKey, out var v) || s.Affinity.GetValueOrDefault((term.TopologyKey, v)) <= 0)
            {
                all = false;
                break;
            }
        }
        if (all) return true;
        // The first pod of a group that selects itself may go anywhere, or it could never start.
        return s.Affinity.Count == 0 && s.PodMatchesOwnAffinity;
    }

    public void PreScore(CycleState state, PodInfo pod, Snapshot allNodes)
    {
        var hasPreferred = pod.PreferredAffinity.Length > 0 || pod.PreferredAntiAffinity.Length > 0;
        if (!hasPreferred && allNodes.PodsWithAffinity == 0) return;
        ScoreState? s = null;
        foreach (var node in allNodes)
        {
            var existingPods = hasPreferred ? node.Pods : node.PodsWithAffinity;
            foreach (var existing in existingPods)
            {
                foreach (var term in pod.PreferredAffinity)
                    if (term.Matches(existing)) Add(ref s, node, term.TopologyKey, term.Weight);
                foreach (var term in pod.PreferredAntiAffinity)
                    if (term.Matches(existing)) Add(ref s, node, term.TopologyKey, -term.Weight);
                foreach (var term in existing.PreferredAffinity)
                    if (term.Matches(pod)) Add(ref s, node, term.TopologyKey, term.Weight);
                foreach (var term in existing.PreferredAntiAffinity)
                    if (term.Matches(pod)) Add(ref s, node, term.TopologyKey, -term.Weight);
                foreach (var term in existing.RequiredAffinity)
                    if (term.Matches(pod)) Add(ref s, node, term.TopologyKey, HardPodAffinityWeight);
            }
        }
        if (s is not null) state.Write(ScoreKey, s);
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<ScoreState>(ScoreKey);
        if (s is null) return 0;
        long score = 0;
        foreach (var ((key, value), weight) in s.Topology)
            if (node.Labels.TryGetValue(key, out var v) && v == value) score += weight;
        return score;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores)
    {
        if (state.Read<ScoreState>(ScoreKey) is null) return;
        ScoreNormalizer.MinMax(scores);
    }

    private static void Add(ref ScoreState? s, NodeInfo node, string key, long weight)
    {
        if (!node.Labels.TryGetValue(key, out var v)) return;
        s ??= new();
        s.Topology[(key, v)] = s.Topology.GetValueOrDefault((key, v)) + weight;
    }

    private static void Increment(Dictionary<(string, string), int> counts, (string, string) pair) =>
        counts[pair] = counts.GetValueOrDefault(pair) + 1;
}
