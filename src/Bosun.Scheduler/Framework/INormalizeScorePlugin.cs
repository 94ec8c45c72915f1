namespace Bosun.Scheduler.Framework;

/// <summary>A score plugin whose raw scores need rescaling to 0–100 once all nodes are scored.</summary>
public interface INormalizeScorePlugin : IScorePlugin
{
    void NormalizeScore(CycleState state, PodInfo pod, Span<long> scores);
}
