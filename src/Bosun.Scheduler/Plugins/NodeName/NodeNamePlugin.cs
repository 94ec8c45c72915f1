using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler.Plugins.NodeName;

/// <summary>When <c>spec.nodeName</c> is set, every other node is filtered out.</summary>
public sealed class NodeNamePlugin : IFilterPlugin
{
    public const string Reason = "node(s) didn't match the requested node name";

    public string Name => "NodeName";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node) =>
        string.IsNullOrEmpty(pod.NodeName) || pod.NodeName == node.Name
            ? Status.Success
            : Status.UnschedulableAndUnresolvable(Reason);
}
