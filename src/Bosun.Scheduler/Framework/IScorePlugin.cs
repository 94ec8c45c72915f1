namespace Bosun.Scheduler.Framework;

/// <summary>Ranks a feasible node; scores are normalized to 0–100 and weighted.</summary>
public interface IScorePlugin : IPlugin
{
    long Score(CycleState state, PodInfo pod, NodeInfo node);
}
