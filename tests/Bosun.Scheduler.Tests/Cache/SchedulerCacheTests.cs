using Bosun.Client;
using Bosun.Scheduler.Cache;
using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler.Tests.Cache;

public sealed class SchedulerCacheTests
{
    private static NodeInfo Node(SchedulerCache cache, string name) => cache.TryGetNode(name, out var n) ? n : throw new KeyNotFoundException(name);

    [Fact]
    public void AssumePod_CountsRequestsAtOnce_ForgetUndoes()
    {
        var cache = new SchedulerCache();
        cache.AddOrUpdateNode(Build.Node("n1"));
        var pod = Build.Pod("p", cpu: "1", memory: "1Gi").Info();

        cache.AssumePod(pod, "n1");
        Assert.Equal(new Resources(1000, 1L << 30), Node(cache, "n1").Requested);
        Assert.True(cache.IsAssumed(pod.Key));

        cache.ForgetPod(pod.Key);
        Assert.Equal(default, Node(cache, "n1").Requested);
        Assert.Empty(Node(cache, "n1").Pods);
    }

    [Fact]
    public void AddPod_AfterAssume_ConfirmsWithoutCountingTwice()
    {
        var cache = new SchedulerCache();
        cache.AddOrUpdateNode(Build.Node("n1"));
        var pod = Build.Pod("p", cpu: "1");
        cache.AssumePod(pod.Info(), "n1");
        pod.Spec.NodeName = "n1";

        cache.AddPod(pod);

        Assert.False(cache.IsAssumed(new ObjectKey("default", "p")));
        Assert.Single(Node(cache, "n1").Pods);
        Assert.Equal(1000, Node(cache, "n1").Requested.MilliCpu);
    }

    [Fact]
    public void AddPod_BeforeItsNode_IsCountedWhenTheNodeArrives()
    {
        var cache = new SchedulerCache();
        cache.AddPod(Build.Pod("p", cpu: "1", nodeName: "late"));
        Assert.Equal(0, cache.NodeCount);

        cache.AddOrUpdateNode(Build.Node("late"));

        Assert.Equal(1, cache.NodeCount);
        Assert.Equal(1000, Node(cache, "late").Requested.MilliCpu);
    }

    [Fact]
    public void RemovePod_ReleasesResources()
    {
        var cache = new SchedulerCache();
        cache.AddOrUpdateNode(Build.Node("n1"));
        cache.AddPod(Build.Pod("p", cpu: "1", nodeName: "n1"));

        cache.RemovePod(new ObjectKey("default", "p"));

        Assert.Equal(0, Node(cache, "n1").Requested.MilliCpu);
        Assert.Equal(0, cache.PodCount);
    }

    [Fact]
    public void Run_PodsWithAntiAffinity_CountedInSnapshotHints()
    {
        var cache = new SchedulerCache();
        cache.AddOrUpdateNode(Build.Node("n1"));
        var anti = new k8s.Models.V1Affinity
        {
            PodAntiAffinity = new k8s.Models.V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Build.Term("kubernetes.io/hostname", "app", "x")] },
        };
        cache.AddPod(Build.Pod("p", nodeName: "n1", affinity: anti));
        Assert.Equal((1, 1), cache.Run(s => (s.PodsWithAffinity, s.PodsWithRequiredAntiAffinity)));

        cache.RemovePod(new ObjectKey("default", "p"));

        Assert.Equal((0, 0), cache.Run(s => (s.PodsWithAffinity, s.PodsWithRequiredAntiAffinity)));
    }
}
