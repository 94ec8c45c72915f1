using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.InterPodAffinity;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Plugins.InterPodAffinity;

public sealed class InterPodAffinityPluginTests
{
    private const string Zone = "topology.kubernetes.io/zone";

    /// <summary>Three nodes: n1 in zone a runs app=db, n2 in zone a is empty, n3 in zone b is empty.</summary>
    private static List<NodeInfo> Cluster(V1Pod? onN1 = null) =>
    [
        Build.NodeInfo(Build.Node("n1", labels: Build.Labels(Zone, "a", "kubernetes.io/hostname", "n1")), onN1 ?? Build.Pod("db", labels: Build.Labels("app", "db"))),
        Build.NodeInfo(Build.Node("n2", labels: Build.Labels(Zone, "a", "kubernetes.io/hostname", "n2"))),
        Build.NodeInfo(Build.Node("n3", labels: Build.Labels(Zone, "b", "kubernetes.io/hostname", "n3"))),
    ];

    private static string[] Filter(V1Pod pod, List<NodeInfo> nodes)
    {
        var plugin = new InterPodAffinityPlugin();
        var state = new CycleState();
        var info = pod.Info();
        Assert.True(plugin.PreFilter(state, info, Snapshot.From(nodes)).IsSuccess);
        return nodes.Select(n => plugin.Filter(state, info, n)).Select(s => s.IsSuccess ? "ok" : s.Message).ToArray();
    }

    [Fact]
    public void Filter_RequiredAffinityByZone_OnlyNodesInTheMatchingZone()
    {
        var pod = Build.Pod(affinity: new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term(Zone, "app", "db")] } });

        Assert.Equal(["ok", "ok", InterPodAffinityPlugin.AffinityReason], Filter(pod, Cluster()));
    }

    [Fact]
    public void Filter_RequiredAntiAffinityByHostname_AvoidsTheNodeWithTheMatch()
    {
        var pod = Build.Pod(affinity: new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term("kubernetes.io/hostname", "app", "db")] } });

        Assert.Equal([InterPodAffinityPlugin.AntiAffinityReason, "ok", "ok"], Filter(pod, Cluster()));
    }

    [Fact]
    public void Filter_ExistingPodsAntiAffinity_KeepsMatchingPodsOutOfItsZone()
    {
        var guard = Build.Pod("guard", labels: Build.Labels("app", "guard"),
            affinity: new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term(Zone, "app", "web")] } });
        var pod = Build.Pod(labels: Build.Labels("app", "web"));

        Assert.Equal([InterPodAffinityPlugin.ExistingAntiAffinityReason, InterPodAffinityPlugin.ExistingAntiAffinityReason, "ok"], Filter(pod, Cluster(guard)));
    }

    [Fact]
    public void Filter_FirstPodOfSelfAffineGroup_GoesAnywhere()
    {
        var pod = Build.Pod(labels: Build.Labels("app", "cache"),
            affinity: new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term(Zone, "app", "cache")] } });

        Assert.Equal(["ok", "ok", "ok"], Filter(pod, Cluster()));
    }

    [Fact]
    public void Filter_OtherNamespace_DoesNotCount()
    {
        var pod = Build.Pod(ns: "other", affinity: new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term("kubernetes.io/hostname", "app", "db")] } });

        Assert.Equal(["ok", "ok", "ok"], Filter(pod, Cluster()));
    }

    [Fact]
    public void Score_PreferredAffinity_FavoursTheZoneWithMatches()
    {
        var pod = Build.Pod(affinity: new V1Affinity
        {
            PodAffinity = new V1PodAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { Weight = 50, PodAffinityTerm = Build.Term(Zone, "app", "db") }],
            },
        }).Info();
        var nodes = Cluster();
        var plugin = new InterPodAffinityPlugin();
        var state = new CycleState();
        plugin.PreScore(state, pod, Snapshot.From(nodes));
        var scores = nodes.Select(n => plugin.Score(state, pod, n)).ToArray();

        plugin.NormalizeScore(state, pod, scores);

        Assert.Equal([100L, 100L, 0L], scores);
    }
}
