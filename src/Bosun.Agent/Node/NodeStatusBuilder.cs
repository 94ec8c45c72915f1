using System.Globalization;
using k8s.Models;

namespace Bosun.Agent.Node;

/// <summary>
/// The Node object the agent registers and its status (kubelet's <c>setNodeStatus</c>): capacity and allocatable,
/// addresses, nodeInfo, the kubelet endpoint, and the four conditions with the kubelet's reasons and messages.
/// Pure; unchanged conditions keep their lastTransitionTime.
/// </summary>
internal static class NodeStatusBuilder
{
    public const string KubeletVersion = "v1.32.0-bosun";
    public const int MaxPods = 110;
    /// <summary>Eviction thresholds of the kubelet's defaults: memory.available &lt; 100Mi, nodefs.available &lt; 10%, pid.available &lt; 10%.</summary>
    public const long MemoryThresholdBytes = 100L << 20;

    public static V1Node Build(string name, NodeFacts facts, int streamingPort, IReadOnlyDictionary<string, string> labels, string? podCidr)
    {
        var allLabels = new Dictionary<string, string>(labels)
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = facts.Architecture,
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = facts.Architecture,
        };
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Labels = allLabels,
                Annotations = new Dictionary<string, string> { ["node.alpha.kubernetes.io/ttl"] = "0", ["volumes.kubernetes.io/controller-managed-attach-detach"] = "true" },
            },
            Spec = new V1NodeSpec { PodCIDR = podCidr, PodCIDRs = podCidr is null ? null : [podCidr] },
        };
    }

    public static V1NodeStatus Status(NodeFacts facts, NodeHealth health, int streamingPort, IList<V1NodeCondition>? previous, DateTime now)
    {
        var capacity = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(facts.Cpus.ToString(CultureInfo.InvariantCulture)),
            ["memory"] = new($"{facts.MemoryBytes / 1024}Ki"),
            ["pods"] = new(MaxPods.ToString(CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new($"{facts.EphemeralStorageBytes / 1024}Ki"),
        };
        // Allocatable = capacity − the default hard eviction threshold for memory (no reserved resources configured).
        var allocatable = new Dictionary<string, ResourceQuantity>(capacity)
        {
            ["memory"] = new($"{Math.Max(0, facts.MemoryBytes - MemoryThresholdBytes) / 1024}Ki"),
            ["ephemeral-storage"] = new(((long)(facts.EphemeralStorageBytes * 0.9)).ToString(CultureInfo.InvariantCulture)),
        };
        return new V1NodeStatus
        {
            Capacity = capacity,
            Allocatable = allocatable,
            Addresses =
            [
                new V1NodeAddress { Type = "InternalIP", Address = facts.InternalIp },
                new V1NodeAddress { Type = "Hostname", Address = facts.Hostname },
            ],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = streamingPort } },
            NodeInfo = new V1NodeSystemInfo
            {
                Architecture = facts.Architecture,
                OperatingSystem = "linux",
                OsImage = facts.OsImage,
                KernelVersion = facts.KernelVersion,
                KubeletVersion = KubeletVersion,
                KubeProxyVersion = KubeletVersion,
                ContainerRuntimeVersion = facts.ContainerRuntimeVersion,
                MachineID = facts.MachineId,
                SystemUUID = facts.MachineId,
                BootID = facts.BootId,
            },
            Conditions = Conditions(health, previous, now),
        };
    }

    public static List<V1NodeCondition> Conditions(NodeHealth health, IList<V1NodeCondition>? previous, DateTime now)
    {
        var memory = health.MemoryAvailableBytes < MemoryThresholdBytes;
        var disk = health.DiskAvailableFraction < 0.10;
        var pids = health.PidsAvailableFraction < 0.10;
        var ready = health.RuntimeReady && health.NetworkReady;
        return
        [
            Condition(previous, "MemoryPressure", memory,
                memory ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
                memory ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available", now),
            Condition(previous, "DiskPressure", disk,
                disk ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
                disk ? "kubelet has disk pressure" : "kubelet has no disk pressure", now),
            Condition(previous, "PIDPressure", pids,
                pids ? "KubeletHasInsufficientPID" : "KubeletHasSufficientPID",
                pids ? "kubelet has insufficient PID available" : "kubelet has sufficient PID available", now),
            Condition(previous, "Ready", ready,
                ready ? "KubeletReady" : "KubeletNotReady",
                ready ? "kubelet is posting ready status" : health.RuntimeMessage, now),
        ];
    }

    private static V1NodeCondition Condition(IList<V1NodeCondition>? previous, string type, bool value, string reason, string message, DateTime now)
    {
        var status = value ? "True" : "False";
        var prior = previous?.FirstOrDefault(c => c.Type == type);
        return new V1NodeCondition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            LastHeartbeatTime = now,
            LastTransitionTime = prior is not null && prior.Status == status ? prior.LastTransitionTime : now,
        };
    }
}
