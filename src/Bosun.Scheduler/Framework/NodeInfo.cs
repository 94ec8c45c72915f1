using k8s.Models;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// A node and the pods on it (bound or assumed), with the aggregates plugins read — requested resources, pod count,
/// pods with affinity — kept up to date incrementally as pods come and go (upstream framework.NodeInfo).
/// Owned by the scheduler cache; plugins only read it.
/// </summary>
public sealed class NodeInfo
{
    private static readonly Dictionary<string, string> NoLabels = [];
    private readonly List<PodInfo> pods = [];
    private readonly List<PodInfo> podsWithAffinity = [];
    private readonly List<PodInfo> podsWithRequiredAntiAffinity = [];

    public NodeInfo(V1Node node) => SetNode(node);

    /// <summary>A node the cache has pods for but has not seen yet (its Node event comes later).</summary>
    public NodeInfo(string name) => Name = name;

    public V1Node? Node { get; private set; }
    public string Name { get; private set; } = "";
    public IDictionary<string, string> Labels { get; private set; } = NoLabels;
    public V1Taint[] Taints { get; private set; } = [];
    public bool Unschedulable { get; private set; }
    public Resources Allocatable { get; private set; }
    public long AllowedPodNumber { get; private set; }

    /// <summary>Sum of the requests of the pods on the node.</summary>
    public Resources Requested { get; private set; }

    /// <summary>As <see cref="Requested"/>, counting the scoring defaults for pods that request nothing.</summary>
    public Resources NonZeroRequested { get; private set; }

    public IReadOnlyList<PodInfo> Pods => pods;
    public IReadOnlyList<PodInfo> PodsWithAffinity => podsWithAffinity;
    public IReadOnlyList<PodInfo> PodsWithRequiredAntiAffinity => podsWithRequiredAntiAffinity;

    /// <summary>Bumped on every change, so snapshots can tell what moved.</summary>
    public long Generation { get; private set; }

    public void SetNode(V1Node node)
    {
        Node = node;
        Name = node.Metadata.Name;
        Labels = node.Metadata.Labels ?? NoLabels;
        Taints = node.Spec?.Taints?.ToArray() ?? [];
        Unschedulable = node.Spec?.Unschedulable ?? false;
        var allocatable = node.Status?.Allocatable ?? node.Status?.Capacity;
        Allocatable = Resources.From(allocatable);
        AllowedPodNumber = Resources.ValueOf(allocatable, "pods");
        Generation++;
    }

    public void AddPod(PodInfo pod)
    {
        pods.Add(pod);
        if (pod.HasAffinity) podsWithAffinity.Add(pod);
        if (pod.HasRequiredAntiAffinity) podsWithRequiredAntiAffinity.Add(pod);
        Requested += pod.Requests;
        NonZeroRequested += pod.NonZeroRequests;
        Generation++;
    }

    /// <summary>Removes the pod with this key; false when it is not on the node.</summary>
    public bool RemovePod(PodInfo pod)
    {
        var i = pods.FindIndex(p => p.Key == pod.Key);
        if (i < 0) return false;
        var existing = pods[i];
        pods.RemoveAt(i);
        podsWithAffinity.Remove(existing);
        podsWithRequiredAntiAffinity.Remove(existing);
        Requested -= existing.Requests;
        NonZeroRequested -= existing.NonZeroRequests;
        Generation++;
        return true;
    }
}
