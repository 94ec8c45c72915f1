namespace Bosun.Scheduler.Framework;

/// <summary>Runs once per pod before filtering: precomputes cycle state, or rejects the pod outright.</summary>
public interface IPreFilterPlugin : IPlugin
{
    Status PreFilter(CycleState state, PodInfo pod, Snapshot nodes);
}
