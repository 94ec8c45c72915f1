namespace Bosun.Scheduler.Framework;

/// <summary>Can the pod run on this node? Runs for many nodes: pure and allocation-free.</summary>
public interface IFilterPlugin : IPlugin
{
    Status Filter(CycleState state, PodInfo pod, NodeInfo node);
}
