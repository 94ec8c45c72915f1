using Bosun.Scheduler.Framework;
using k8s.Models;

namespace Bosun.Scheduler.Tests;

/// <summary>Small builders for pods and nodes in plugin tables.</summary>
internal static class Build
{
    public static V1Pod Pod(string name = "p", string? cpu = null, string? memory = null, string ns = "default",
        Dictionary<string, string>? labels = null, Dictionary<string, string>? nodeSelector = null, V1Affinity? affinity = null,
        List<V1Toleration>? tolerations = null, string? nodeName = null, int? priority = null, List<V1TopologySpreadConstraint>? spread = null,
        string? initCpu = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null) requests["cpu"] = new ResourceQuantity(cpu);
        if (memory is not null) requests["memory"] = new ResourceQuantity(memory);
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels, Uid = Guid.NewGuid().ToString() },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "c", Image = "nginx", Resources = new V1ResourceRequirements { Requests = requests } }],
                InitContainers = initCpu is null ? null :
                    [new V1Container { Name = "init", Image = "busybox", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(initCpu) } } }],
                NodeSelector = nodeSelector,
                Affinity = affinity,
                Tolerations = tolerations,
                NodeName = nodeName,
                Priority = priority,
                TopologySpreadConstraints = spread,
            },
        };
    }

    public static V1Node Node(string name = "n1", string cpu = "4", string memory = "8Gi", int pods = 110,
        Dictionary<string, string>? labels = null, List<V1Taint>? taints = null, bool unschedulable = false)
    {
        var allocatable = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(cpu), ["memory"] = new(memory), ["pods"] = new(pods.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels ?? new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
            Spec = new V1NodeSpec { Taints = taints, Unschedulable = unschedulable },
            Status = new V1NodeStatus { Allocatable = allocatable, Capacity = allocatable },
        };
    }

    public static NodeInfo NodeInfo(V1Node node, params V1Pod[] pods)
    {
        var info = new NodeInfo(node);
        foreach (var p in pods) info.AddPod(new PodInfo(p));
        return info;
    }

    public static PodInfo Info(this V1Pod pod) => new(pod);

    public static Dictionary<string, string> Labels(params string[] kv)
    {
        var d = new Dictionary<string, string>();
        for (var i = 0; i < kv.Length; i += 2) d[kv[i]] = kv[i + 1];
        return d;
    }

    public static V1Taint Taint(string key, string value, string effect) => new() { Key = key, Value = value, Effect = effect };

    public static V1Toleration Toleration(string? key, string? op, string? value, string? effect) =>
        new() { Key = key, OperatorProperty = op, Value = value, Effect = effect };

    public static V1NodeSelectorRequirement Req(string key, string op, params string[] values) =>
        new() { Key = key, OperatorProperty = op, Values = values.Length == 0 ? null : values };

    public static V1Affinity RequiredNodeAffinity(params V1NodeSelectorRequirement[] requirements) => new()
    {
        NodeAffinity = new V1NodeAffinity
        {
            RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = requirements }] },
        },
    };

    public static V1PodAffinityTerm Term(string topologyKey, params string[] matchLabels) => new()
    {
        TopologyKey = topologyKey,
        LabelSelector = new V1LabelSelector { MatchLabels = Labels(matchLabels) },
    };
}
