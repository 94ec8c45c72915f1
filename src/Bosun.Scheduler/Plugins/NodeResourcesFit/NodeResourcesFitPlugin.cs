using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler.Plugins.NodeResourcesFit;

/// <summary>
/// Filters out nodes without room for the pod's cpu and memory requests or for one more pod; scores the rest by
/// the fraction of allocatable cpu and memory left free (LeastAllocated) or used (MostAllocated), equally weighted.
/// </summary>
public sealed class NodeResourcesFitPlugin(ScoringStrategy strategy = ScoringStrategy.LeastAllocated) : IFilterPlugin, IScorePlugin
{
    public const string TooManyPods = "Too many pods";
    public const string InsufficientCpu = "Insufficient cpu";
    public const string InsufficientMemory = "Insufficient memory";

    // Every combination of reasons, built once: a failing node costs no allocation.
    private static readonly string[][] ReasonSets = BuildReasonSets();

    public string Name => "NodeResourcesFit";

    public ScoringStrategy Strategy => strategy;

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var mask = 0;
        if (node.Pods.Count + 1 > node.AllowedPodNumber) mask |= 1;
        var request = pod.Requests;
        var free = node.Allocatable - node.Requested;
        if (request.MilliCpu > 0 && request.MilliCpu > free.MilliCpu) mask |= 2;
        if (request.Memory > 0 && request.Memory > free.Memory) mask |= 4;
        return mask == 0 ? Status.Success : Status.Unschedulable(ReasonSets[mask]);
    }

    public long Score(CycleState state, PodInfo pod, NodeInfo node)
    {
        var requested = node.NonZeroRequested + pod.NonZeroRequests;
        var cpu = ResourceScore(requested.MilliCpu, node.Allocatable.MilliCpu);
        var memory = ResourceScore(requested.Memory, node.Allocatable.Memory);
        return (cpu + memory) / 2;
    }

    private long ResourceScore(long requested, long capacity)
    {
        if (capacity == 0) return 0;
        if (strategy == ScoringStrategy.MostAllocated)
            return Math.Min(requested, capacity) * ScoreNormalizer.MaxNodeScore / capacity;
        return requested > capacity ? 0 : (capacity - requested) * ScoreNormalizer.MaxNodeScore / capacity;
    }

    private static string[][] BuildReasonSets()
    {
        var sets = new string[8][];
        for (var mask = 0; mask < 8; mask++)
        {
            var list = new List<string>();
            if ((mask & 1) != 0) list.Add(TooManyPods);
            if ((mask & 2) != 0) list.Add(InsufficientCpu);
            if ((mask & 4) != 0) list.Add(InsufficientMemory);
            sets[mask] = [.. list];
        }
        return sets;
    }
}
