namespace Bosun.Scheduler.Queue;

/// <summary>
/// A change in the cluster that may make unschedulable pods schedulable. <see cref="Plugins"/> lists the plugins
/// whose rejections it can undo; null means any.
/// </summary>
public sealed record ClusterEvent(string Label, IReadOnlySet<string>? Plugins = null)
{
    public static readonly ClusterEvent NodeAdd = new("NodeAdd");
    public static readonly ClusterEvent NodeUpdate = new("NodeUpdate");
    public static readonly ClusterEvent AssignedPodDelete = new("AssignedPodDelete");
    public static readonly ClusterEvent AssignedPodAdd = new("AssignedPodAdd", new HashSet<string> { "InterPodAffinity", "PodTopologySpread" });
    public static readonly ClusterEvent StorageChange = new("StorageChange", new HashSet<string> { "VolumeBinding" });
    public static readonly ClusterEvent UnschedulableTimeout = new("UnschedulableTimeout");
    public static readonly ClusterEvent ForceActivate = new("ForceActivate");

    public bool MayHelp(QueuedPodInfo pod) =>
        Plugins is null || pod.UnschedulablePlugins.Count == 0 || pod.UnschedulablePlugins.Overlaps(Plugins);
}
