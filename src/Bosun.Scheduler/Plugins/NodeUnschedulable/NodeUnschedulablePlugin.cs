using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.TaintToleration;

namespace Bosun.Scheduler.Plugins.NodeUnschedulable;

/// <summary>Cordoned nodes (<c>spec.unschedulable</c>) take no new pods, unless the pod tolerates the unschedulable taint.</summary>
public sealed class NodeUnschedulablePlugin : IFilterPlugin
{
    public const string Reason = "node(s) were unschedulable";
    public const string TaintKey = "node.kubernetes.io/unschedulable";

    public string Name => "NodeUnschedulable";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node) =>
        !node.Unschedulable || Tolerations.AnyTolerates(pod.Tolerations, TaintKey, "NoSchedule")
            ? Status.Success
            : Status.UnschedulableAndUnresolvable(Reason);
}
