using System.Runtime.InteropServices;
using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.TaintToleration;

namespace Bosun.Scheduler.Plugins.PodTopologySpread;

/// <summary>
/// Spreads matching pods evenly over topology domains. A <c>DoNotSchedule</c> constraint filters out nodes where
/// placing the pod would make (pods in this domain + 1) − (pods in the emptiest domain) exceed maxSkew; a
/// <c>ScheduleAnyway</c> constraint scores domains with fewer matching pods higher.
/// </summary>
public sealed class PodTopologySpreadPlugin : IPreFilterPlugin, IFilterPlugin, IPreScorePlugin, INormalizeScorePlugin
{
    public const string ConstraintsReason = "node(s) didn't match pod topology spread constraints";
    public const string MissingLabelReason = "node(s) didn't match pod topology spread constraints (missing required label)";

    private const string FilterKey = "PodTopologySpread/filter";
    private const string ScoreKey = "PodTopologySpread/score";

    public string Name => "PodTopologySpread";

    /// <summary>Matching pods per domain value, for each constraint of one kind (hard or soft).</summary>
    private sealed class Counts(SpreadConstraint[] constraints)
    {
        public readonly SpreadConstraint[] Constraints = constraints;
        public readonly Dictionary<string, int>[] PerDomain = constraints.Select(_ => new Dictionary<string, int>()).ToArray();
        public readonly int[] Min = new int[constraints.Length];
    }

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot nodes)
    {
        var hard = pod.SpreadConstraints.Where(c => c.DoNotSchedule).ToArray();
        if (hard.Length > 0) state.Write(FilterKey, Count(hard, pod, nodes));
        return Status.Success;
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var counts = state.Read<Counts>(FilterKey);
        if (counts is null) return Status.Success;
        for (var i = 0; i < counts.Constraints.Length; i++)
        {
            var c = counts.Constraints[i];
            if (!node.Labels.TryGetValue(c.TopologyKey, out var domain)) return Status.UnschedulableAndUnresolvable(MissingLabelReason);
            var self = c.Selector.Matches(pod.Labels) ? 1 : 0;
            var here = counts.PerDomain[i].GetValueOrDefault(domain);
            var min = counts.PerDomain[i].Count < c.MinDomains ? 0 : counts.Min[i];
            if (here + self - min > c.MaxSkew) return Status.Unschedulable(ConstraintsReason);
        }
        return Status.Success;
    }

    public void PreScore(CycleState state, PodInfo pod, Snapshot allNodes)
    {
        var soft = pod.SpreadConstraints.Where(c => !c.DoNotSchedule).ToArray();
        if (soft.Length > 0) state.Write(ScoreKey, Count(soft, pod, allNodes));
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var counts = state.Read<Counts>(ScoreKey);
        if (counts is null) return 0;
        long score = 0;
        for (var i = 0; i < counts.Constraints.Length; i++)
        {
            var c = counts.Constraints[i];
            if (node.Labels.TryGetValue(c.TopologyKey, out var domain))
                score += counts.PerDomain[i].GetValueOrDefault(domain) + c.MaxSkew - 1;
        }
        return score;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores)
    {
        if (state.Read<Counts>(ScoreKey) is null) return;
        ScoreNormalizer.MinMax(scores);
        for (var i = 0; i < scores.Length; i++) scores[i] = ScoreNormalizer.MaxNodeScore - scores[i];
    }

    private static Counts Count(SpreadConstraint[] constraints, PodInfo pod, Snapshot nodes)
    {
        var counts = new Counts(constraints);
        for (var i = 0; i < constraints.Length; i++)
        {
            var c = constraints[i];
            var perDomain = counts.PerDomain[i];
            foreach (var node in nodes)
            {
                if (!node.Labels.TryGetValue(c.TopologyKey, out var domain)) continue;
                if (c.HonorNodeAffinity && !pod.MatchesNodeSelectorAndAffinity(node)) continue;
                if (c.HonorNodeTaints && HasUntoleratedTaint(pod, node)) continue;
                var matching = 0;
                var existingPods = node.Pods;
                for (var j = 0; j < existingPods.Count; j++)   // indexed: no enumerator allocation per node
                {
                    var existing = existingPods[j];
                    if (existing.Namespace == pod.Namespace && c.Selector.Matches(existing.Labels)) matching++;
                }
                CollectionsMarshal.GetValueRefOrAddDefault(perDomain, domain, out _) += matching;
            }
            counts.Min[i] = perDomain.Count == 0 ? 0 : perDomain.Values.Min();
        }
        return counts;
    }

    private static bool HasUntoleratedTaint(PodInfo pod, NodeInfo node)
    {
        foreach (var taint in node.Taints)
            if (taint.Effect is "NoSchedule" or "NoExecute" && !Tolerations.AnyTolerates(pod.Tolerations, taint)) return true;
        return false;
    }
}
