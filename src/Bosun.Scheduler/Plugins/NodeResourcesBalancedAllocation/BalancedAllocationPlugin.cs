using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler.Plugins.NodeResourcesBalancedAllocation;

/// <summary>
/// Prefers nodes whose cpu and memory would be used in similar proportions once the pod lands:
/// score = (1 − standard deviation of the used fractions) × 100.
/// </summary>
public sealed class BalancedAllocationPlugin : IScorePlugin
{
    public string Name => "NodeResourcesBalancedAllocation";

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var requested = node.NonZeroRequested + pod.NonZeroRequests;
        var cpu = Fraction(requested.MilliCpu, node.Allocatable.MilliCpu);
        var memory = Fraction(requested.Memory, node.Allocatable.Memory);
        var std = Math.Abs(cpu - memory) / 2;   // the standard deviation of two values
        return (long)((1 - std) * ScoreNormalizer.MaxNodeScore);
    }

    private static double Fraction(long requested, long capacity) =>
        capacity == 0 ? 1 : Math.Min(1.0, (double)requested / capacity);
}
