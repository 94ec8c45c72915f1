using System.Collections;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// The nodes a cycle sees, with cluster-wide hints plugins use to skip whole scans: how many pods with affinity
/// terms, and with required anti-affinity, exist (upper bounds; zero means none, so the scan can be skipped).
/// </summary>
public sealed class Snapshot(List<NodeInfo> nodes) : IReadOnlyList<NodeInfo>
{
    public int PodsWithAffinity { get; internal set; }
    public int PodsWithRequiredAntiAffinity { get; internal set; }

    public int Count => nodes.Count;

    public NodeInfo this[int index] => nodes[index];

    internal List<NodeInfo> Nodes => nodes;

    /// <summary>A snapshot over given nodes, with the hints computed (tests and benchmarks).</summary>
    public static Snapshot From(IEnumerable<NodeInfo> nodes)
    {
        var list = nodes.ToList();
        return new Snapshot(list)
        {
            PodsWithAffinity = list.Sum(n => n.PodsWithAffinity.Count),
            PodsWithRequiredAntiAffinity = list.Sum(n => n.PodsWithRequiredAntiAffinity.Count),
        };
    }

    /// <summary>Counts a pod in (+1) or out (−1) of the hints.</summary>
    internal void Track(PodInfo pod, int delta)
    {
        if (pod.HasAffinity) PodsWithAffinity += delta;
        if (pod.HasRequiredAntiAffinity) PodsWithRequiredAntiAffinity += delta;
    }

    public List<NodeInfo>.Enumerator GetEnumerator() => nodes.GetEnumerator();

    IEnumerator<NodeInfo> IEnumerable<NodeInfo>.GetEnumerator() => nodes.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => nodes.GetEnumerator();
}
