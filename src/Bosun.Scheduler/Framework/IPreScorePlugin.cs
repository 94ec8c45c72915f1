namespace Bosun.Scheduler.Framework;

/// <summary>Runs once per pod before scoring; <paramref name="allNodes"/> is the whole snapshot.</summary>
public interface IPreScorePlugin : IPlugin
{
    void PreScore(CycleState state, PodInfo pod, Snapshot allNodes);
}
