using k8s.Models;

namespace Bosun.SimulatedNodes;

/// <summary>Builds the Node object a simulated node registers, and its heartbeat conditions. Pure.</summary>
internal static class NodeTemplate
{
    public const string KubeletVersion = "v1.32.0-bosun-sim";

    public static V1Node Build(SimulatedNode node, SimulatedNodesOptions options, DateTime now)
    {
        var labels = new Dictionary<string, string>(options.Labels)
        {
            ["kubernetes.io/hostname"] = node.Name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["type"] = "simulated",
        };
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(options.Cpu),
            ["memory"] = new(options.Memory),
            ["pods"] = new(options.Pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["ephemeral-storage"] = new("100Gi"),
        };
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta
            {
                Name = node.Name,
                Labels = labels,
                Annotations = new Dictionary<string, string> { ["node.alpha.kubernetes.io/ttl"] = "0", ["bosun.dev/simulated"] = "true" },
            },
            Spec = new V1NodeSpec
            {
                PodCIDR = node.PodCidr,
                PodCIDRs = node.PodCidr is null ? null : [node.PodCidr],
                ProviderID = $"sim://{node.Name}",
            },
            Status = new V1NodeStatus
            {
                Capacity = resources,
                Allocatable = new Dictionary<string, ResourceQuantity>(resources),
                Conditions = Conditions(now, now),
                Addresses =
                [
                    new V1NodeAddress { Type = "InternalIP", Address = node.InternalIp },
                    new V1NodeAddress { Type = "Hostname", Address = node.Name },
                ],
                DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 10250 } },
                NodeInfo = new V1NodeSystemInfo
                {
                    Architecture = "amd64",
                    OperatingSystem = "linux",
                    OsImage = "Bosun simulated node",
                    KernelVersion = "6.0.0-sim",
                    KubeletVersion = KubeletVersion,
                    KubeProxyVersion = KubeletVersion,
                    ContainerRuntimeVersion = "sim://1.0.0",
                    MachineID = Guid.NewGuid().ToString("N"),
                    SystemUUID = Guid.NewGuid().ToString(),
                    BootID = Guid.NewGuid().ToString(),
                },
                Phase = "Running",
            },
        };
    }

    /// <summary>Ready, with no pressure; <paramref name="heartbeat"/> is lastHeartbeatTime, <paramref name="transition"/> lastTransitionTime.</summary>
    public static List<V1NodeCondition> Conditions(DateTime heartbeat, DateTime transition) =>
    [
        Condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", heartbeat, transition),
        Condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", heartbeat, transition),
        Condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", heartbeat, transition),
        Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status", heartbeat, transition),
    ];

    private static V1NodeCondition Condition(string type, string status, string reason, string message, DateTime heartbeat, DateTime transition) =>
        new() { Type = type, Status = status, Reason = reason, Message = message, LastHeartbeatTime = heartbeat, LastTransitionTime = transition };
}
