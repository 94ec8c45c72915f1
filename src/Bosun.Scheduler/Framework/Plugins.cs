namespace Bosun.Scheduler.Framework;

/// <summary>Every plugin has a name, used in configuration, cycle state keys and logs.</summary>
public interface IPlugin
{
    string Name { get; }
}

/// <summary>Runs once per pod before filtering: precomputes cycle state, or rejects the pod outright.</summary>
public interface IPreFilterPlugin : IPlugin
{
    Status PreFilter(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> nodes);
}

/// <summary>Can the pod run on this node? Runs for many nodes, possibly in parallel: pure, allocation-free.</summary>
public interface IFilterPlugin : IPlugin
{
    Status Filter(CycleState state, PodInfo pod, NodeInfo node);
}

/// <summary>Runs once per pod before scoring; <paramref name="allNodes"/> is the whole snapshot.</summary>
public interface IPreScorePlugin : IPlugin
{
    void PreScore(CycleState state, PodInfo pod, IReadOnlyList<NodeInfo> allNodes);
}

/// <summary>Ranks a feasible node; scores are normalized to 0–100 and weighted.</summary>
public interface IScorePlugin : IPlugin
{
    long Score(CycleState state, PodInfo pod, NodeInfo node);
}

/// <summary>A score plugin whose raw scores need rescaling to 0–100 once all nodes are scored.</summary>
public interface INormalizeScorePlugin : IScorePlugin
{
    void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores);
}

/// <summary>Score helpers shared by plugins (upstream helper.DefaultNormalizeScore).</summary>
public static class ScoreNormalizer
{
    public const long MaxNodeScore = 100;

    /// <summary>Scales scores so the highest becomes 100 (or, reversed, the lowest becomes 100).</summary>
    public static void Default(Span<long> scores, bool reverse)
    {
        long max = 0;
        foreach (var s in scores) max = Math.Max(max, s);
        if (max == 0)
        {
            if (reverse) scores.Fill(MaxNodeScore);
            return;
        }
        for (var i = 0; i < scores.Length; i++)
        {
            var s = MaxNodeScore * scores[i] / max;
            scores[i] = reverse ? MaxNodeScore - s : s;
        }
    }

    /// <summary>Maps [min, max] onto [0, 100] (negative raw scores allowed, as InterPodAffinity has).</summary>
    public static void MinMax(Span<long> scores)
    {
        if (scores.IsEmpty) return;
        long min = long.MaxValue, max = long.MinValue;
        foreach (var s in scores)
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }
        var range = max - min;
        for (var i = 0; i < scores.Length; i++)
            scores[i] = range == 0 ? 0 : MaxNodeScore * (scores[i] - min) / range;
    }
}
