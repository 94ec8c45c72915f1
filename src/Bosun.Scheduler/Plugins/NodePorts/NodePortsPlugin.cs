using Bosun.Scheduler.Framework;
using k8s.Models;

namespace Bosun.Scheduler.Plugins.NodePorts;

/// <summary>
/// A pod asking for a <c>hostPort</c> fits only nodes where no pod already holds the same protocol and port on a
/// conflicting address (upstream's NodePorts: <c>0.0.0.0</c> or empty conflicts with every address).
/// </summary>
public sealed class NodePortsPlugin : IFilterPlugin
{
    public const string Reason = "node(s) didn't have free ports for the requested pod ports";

    public string Name => "NodePorts";

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        foreach (var wanted in HostPorts(pod.Pod))
            foreach (var other in node.Pods)
                foreach (var used in HostPorts(other.Pod))
                    if (Conflicts(wanted, used)) return Status.Unschedulable(Reason);
        return Status.Success;
    }

    /// <summary>The pod's container ports that claim a host port (app and init containers, as upstream's).</summary>
    internal static IEnumerable<V1ContainerPort> HostPorts(V1Pod pod)
    {
        foreach (var c in (pod.Spec?.InitContainers ?? []).Concat(pod.Spec?.Containers ?? []))
            foreach (var p in c.Ports ?? [])
                if (p.HostPort is > 0) yield return p;
    }

    internal static bool Conflicts(V1ContainerPort a, V1ContainerPort b) =>
        a.HostPort == b.HostPort
        && string.Equals(Protocol(a), Protocol(b), StringComparison.Ordinal)
        && (IsAny(a.HostIP) || IsAny(b.HostIP) || a.HostIP == b.HostIP);

    private static string Protocol(V1ContainerPort p) => string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol;

    private static bool IsAny(string? ip) => string.IsNullOrEmpty(ip) || ip == "0.0.0.0" || ip == "::";
}
