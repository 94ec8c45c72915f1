using Bosun.Scheduler.Plugins.InterPodAffinity;
using Bosun.Scheduler.Plugins.NodeAffinity;
using Bosun.Scheduler.Plugins.NodeName;
using Bosun.Scheduler.Plugins.NodeResourcesBalancedAllocation;
using Bosun.Scheduler.Plugins.NodeResourcesFit;
using Bosun.Scheduler.Plugins.NodePorts;
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

    /// <summary>This profile with VolumeBinding added where kube-scheduler runs it (filters: after NodeResourcesFit).</summary>
    public SchedulerProfile WithVolumeBinding(Plugins.VolumeBinding.VolumeBindingPlugin plugin)
    {
        var filters = Filters.ToList();
        var fit = filters.FindIndex(f => f.Name == "NodeResourcesFit");
        filters.Insert(fit < 0 ? filters.Count : fit + 1, plugin);
        return new SchedulerProfile
        {
            SchedulerName = SchedulerName,
            PreFilters = [.. PreFilters, plugin],
            Filters = filters,
            PreScores = PreScores,
            Scores = Scores,
        };
    }

    /// <summary>The default plugin set and weights of kube-scheduler (TaintToleration 3; NodeAffinity, PodTopologySpread, InterPodAffinity 2; the rest 1).</summary>
    public static SchedulerProfile Default(ScoringStrategy strategy = ScoringStrategy.LeastAllocated)
    {
        var nodeUnschedulable = new NodeUnschedulablePlugin();
        var nodeName = new NodeNamePlugin();
        var taints = new TaintTolerationPlugin();
        var nodeAffinity = new NodeAffinityPlugin();
        var ports = new NodePortsPlugin();
        var fit = new NodeResourcesFitPlugin(strategy);
        var balanced = new BalancedAllocationPlugin();
        var spread = new PodTopologySpreadPlugin();
        var interPod = new InterPodAffinityPlugin();
        return new SchedulerProfile
        {
            PreFilters = [spread, interPod],
            Filters = [nodeUnschedulable, nodeName, taints, nodeAffinity, ports, fit, spread, interPod],
            PreScores = [spread, interPod],
            Scores = [(taints, 3), (nodeAffinity, 2), (fit, 1), (spread, 2), (interPod, 2), (balanced, 1)],
        };
    }
}
