using Bosun.Client;
using Bosun.Scheduler.Framework;
using k8s.Models;

namespace Bosun.Scheduler.Cache;

/// <summary>
/// What the scheduler knows of the cluster: nodes and the pods on them, bound or <b>assumed</b>. A pod is assumed
/// onto its node the moment the cycle picks the node, so the next cycle already counts it; the bind then runs in the
/// background. When the informer reports the pod bound, the assumption is confirmed; when binding fails, it is
/// forgotten. NodeInfo aggregates change incrementally. A cycle runs under the cache's lock (<see cref="Run{T}"/>),
/// so it sees one consistent state; informer handlers wait for at most one cycle.
/// </summary>
public sealed class SchedulerCache
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, NodeInfo> nodes = [];
    private readonly List<NodeInfo> nodeList;   // nodes whose Node object exists, in a stable order
    private readonly Snapshot snapshot;
    private readonly Dictionary<ObjectKey, PodState> pods = [];

    public SchedulerCache()
    {
        nodeList = [];
        snapshot = new Snapshot(nodeList);
    }

    private sealed class PodState(PodInfo pod, string node, bool assumed)
    {
        public PodInfo Pod = pod;
        public string Node = node;
        public bool Assumed = assumed;
        public bool BindingFinished;
    }

    public int NodeCount
    {
        get { lock (gate) return nodeList.Count; }
    }

    public int PodCount
    {
        get { lock (gate) return pods.Count; }
    }

    /// <summary>Runs a scheduling cycle over the current nodes, holding the lock.</summary>
    public T Run<T>(Func<Snapshot, T> cycle)
    {
        lock (gate) return cycle(snapshot);
    }

    public bool TryGetNode(string name, out NodeInfo node)
    {
        lock (gate) return nodes.TryGetValue(name, out node!) && node.Node is not null;
    }

    public void AddOrUpdateNode(V1Node node)
    {
        lock (gate)
        {
            var name = node.Metadata.Name;
            if (!nodes.TryGetValue(name, out var info))
            {
                nodes[name] = info = new NodeInfo(node);
                nodeList.Add(info);
                return;
            }
            var known = info.Node is not null;
            info.SetNode(node);
            if (!known) nodeList.Add(info);
        }
    }

    public void RemoveNode(string name)
    {
        lock (gate)
        {
            if (!nodes.TryGetValue(name, out var info)) return;
            nodeList.Remove(info);
            if (info.Pods.Count == 0) nodes.Remove(name);
            else nodes[name] = Rehome(info);   // pods keep their node until they are deleted
        }
    }

    private static NodeInfo Rehome(NodeInfo old)
    {
        var orphan = new NodeInfo(old.Name);
        foreach (var p in old.Pods) orphan.AddPod(p);
        return orphan;
    }

    /// <summary>Adds a bound pod, or confirms the assumption made for it.</summary>
    public void AddPod(V1Pod pod)
    {
        var info = new PodInfo(pod);
        var nodeName = pod.Spec.NodeName;
        lock (gate)
        {
            if (pods.TryGetValue(info.Key, out var existing))
            {
                if (Node(existing.Node).RemovePod(existing.Pod)) snapshot.Track(existing.Pod, -1);
                existing.Pod = info;
                existing.Node = nodeName;
                existing.Assumed = false;
            }
            else
            {
                pods[info.Key] = new PodState(info, nodeName, assumed: false);
            }
            Node(nodeName).AddPod(info);
            snapshot.Track(info, +1);
        }
    }

    public void UpdatePod(V1Pod pod) => AddPod(pod);

    public void RemovePod(ObjectKey key)
    {
        lock (gate)
        {
            if (!pods.Remove(key, out var state)) return;
            var node = Node(state.Node);
            if (node.RemovePod(state.Pod)) snapshot.Track(state.Pod, -1);
            if (node.Node is null && node.Pods.Count == 0) nodes.Remove(state.Node);
        }
    }

    /// <summary>Counts the pod on the node right away, before the bind has happened.</summary>
    public void AssumePod(PodInfo pod, string nodeName)
    {
        lock (gate)
        {
            if (pods.ContainsKey(pod.Key)) throw new InvalidOperationException($"pod {pod.Key} is already in the cache");
            pods[pod.Key] = new PodState(pod, nodeName, assumed: true);
            Node(nodeName).AddPod(pod);
            snapshot.Track(pod, +1);
        }
    }

    public void FinishBinding(ObjectKey key)
    {
        lock (gate)
            if (pods.TryGetValue(key, out var state) && state.Assumed) state.BindingFinished = true;
    }

    /// <summary>Undoes an assumption after a failed bind.</summary>
    public void ForgetPod(ObjectKey key)
    {
        lock (gate)
        {
            if (pods.TryGetValue(key, out var state) && state.Assumed) RemovePodLocked(key, state);
        }
    }

    public bool IsAssumed(ObjectKey key)
    {
        lock (gate) return pods.TryGetValue(key, out var s) && s.Assumed;
    }

    private void RemovePodLocked(ObjectKey key, PodState state)
    {
        pods.Remove(key);
        if (Node(state.Node).RemovePod(state.Pod)) snapshot.Track(state.Pod, -1);
    }

    private NodeInfo Node(string name)
    {
        if (!nodes.TryGetValue(name, out var info)) nodes[name] = info = new NodeInfo(name);
        return info;
    }
}
