using Bosun.Scheduler.Plugins.InterPodAffinity;
using Bosun.Scheduler.Plugins.NodeAffinity;
using Bosun.Scheduler.Plugins.NodeName;
using Bosun.Scheduler.Plugins.NodeResourcesBalancedAllocation;
using Bosun.Scheduler.Plugins.NodeResourcesFit;
using Bosun.Scheduler.Plugins.NodeUnschedulable;
using Bosun.Scheduler.Plugins.PodTopologySpread;
using Bosun.Scheduler.Plugins.TaintToleration;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// Which plugins run at each extension point, in order, and how much each score counts — the default-scheduler
/// profile. Filters run in upstream's order, so the first failing plugin (the one a node's reason comes from) matches.
/// </summary>
public sealed class SchedulerProfile
{
    public const string DefaultSchedulerName = "default-scheduler";

    public string SchedulerName { get; init; } = DefaultSchedulerName;
    public IReadOnlyList<IPreFilterPlugin> PreFilters { get; init; } = [];
    public IReadOnlyList<IFilterPlugin> Filters { get; init; } = [];
    public IReadOnlyList<IPreScorePlugin> PreScores { get; init; } = [];
    public IReadOnlyList<(IScorePlugin Plugin, int Weight)> Scores { get; init; } = [];

    /// <summary>The default plugin set and weights of kube-scheduler (TaintToleration 3; NodeAffinity, PodTopologySpread, InterPodAffinity 2; the rest 1).</summary>
    public static SchedulerProfile Default(ScoringStrategy strategy = ScoringStrategy.LeastAllocated)
    {
        var nodeUnschedulable = new NodeUnschedulablePlugin();
        var nodeName = new NodeNamePlugin();
        var taints = new TaintTolerationPlugin();
        var nodeAffinity = new NodeAffinityPlugin();
        var fit = new NodeResourcesFitPlugin(strategy);
        var balanced = new BalancedAllocationPlugin();
        var spread = new PodTopologySpreadPlugin();
        var interPod = new InterPodAffinityPlugin();
        return new SchedulerProfile
        {
            PreFilters = [spread, interPod],
            Filters = [nodeUnschedulable, nodeName, taints, nodeAffinity, fit, spread, interPod],
            PreScores = [spread, interPod],
            Scores = [(taints, 3), (nodeAffinity, 2), (fit, 1), (spread, 2), (interPod, 2), (balanced, 1)],
        };
    }
}
