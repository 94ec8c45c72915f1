using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler.Plugins.NodeAffinity;

/// <summary>
/// <c>spec.nodeSelector</c> and required node affinity filter nodes; preferred node affinity terms score them by the
/// sum of the weights of the terms a node matches.
/// </summary>
public sealed class NodeAffinityPlugin : IFilterPlugin, INormalizeScorePlugin
{
    public const string Reason = "node(s) didn't match Pod's node affinity/selector";

    public string Name => "NodeAffinity";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node) =>
        pod.MatchesNodeSelectorAndAffinity(node) ? Status.Success : Status.UnschedulableAndUnresolvable(Reason);

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        long score = 0;
        var preferred = pod.PreferredNodeAffinity;
        for (var i = 0; i < preferred.TermCount; i++)
            if (preferred.TermMatches(i, node)) score += pod.PreferredNodeAffinityWeights[i];
        return score;
    }

    public void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores) => ScoreNormalizer.Default(scores, reverse: false);
}
