using Bosun.Scheduler.Framework;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Framework;

public sealed class SchedulingAlgorithmTests
{
    private static SchedulingAlgorithm Algorithm() => new(SchedulerProfile.Default(), random: new Random(1));

    [Fact]
    public void Schedule_NoNodeHasCpu_CountsReasonsAsUpstream()
    {
        var nodes = Enumerable.Range(0, 3).Select(i => Build.NodeInfo(Build.Node($"n{i}", cpu: "1"))).ToList();

        var result = Algorithm().Schedule(Build.Pod(cpu: "2").Info(), nodes);

        Assert.False(result.Succeeded);
        Assert.Equal("0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..",
            result.Error!.Message);
    }

    [Fact]
    public void Schedule_CordonedAndUnlabelledNodes_SortsReasonsAsStrings()
    {
        List<NodeInfo> nodes =
        [
            Build.NodeInfo(Build.Node("n0", unschedulable: true, labels: Build.Labels("disk", "ssd"))),
            Build.NodeInfo(Build.Node("n1")),
            Build.NodeInfo(Build.Node("n2")),
        ];

        var result = Algorithm().Schedule(Build.Pod(nodeSelector: Build.Labels("disk", "ssd")).Info(), nodes);

        Assert.Equal("0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. " +
            "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..", result.Error!.Message);
        Assert.Equal(new HashSet<string> { "NodeUnschedulable", "NodeAffinity" }, result.Error.RejectedBy);
    }

    [Fact]
    public void Schedule_MixedReasons_SplitsPreemptionVerdicts()
    {
        List<NodeInfo> nodes =
        [
            Build.NodeInfo(Build.Node("n0", taints: [Build.Taint("dedicated", "gpu", "NoSchedule")])),
            Build.NodeInfo(Build.Node("n1", cpu: "1")),
        ];

        var result = Algorithm().Schedule(Build.Pod(cpu: "2").Info(), nodes);

        Assert.Equal("0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}. " +
            "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling..",
            result.Error!.Message);
    }

    [Fact]
    public void Schedule_NoNodes_SaysSo()
    {
        var result = Algorithm().Schedule(Build.Pod().Info(), []);

        Assert.Equal("no nodes available to schedule pods", result.Error!.Message);
    }

    [Fact]
    public void Schedule_LeastAllocated_PicksTheEmptierNode()
    {
        List<NodeInfo> nodes =
        [
            Build.NodeInfo(Build.Node("busy"), Build.Pod("x", cpu: "3", memory: "6Gi")),
            Build.NodeInfo(Build.Node("idle")),
        ];

        var result = Algorithm().Schedule(Build.Pod(cpu: "500m", memory: "1Gi").Info(), nodes);

        Assert.Equal("idle", result.SuggestedHost);
        Assert.Equal(2, result.FeasibleNodes);
    }

    [Fact]
    public void Schedule_PreferNoScheduleTaint_OutweighsFreeResources()
    {
        List<NodeInfo> nodes =
        [
            Build.NodeInfo(Build.Node("tainted", taints: [Build.Taint("k", "v", "PreferNoSchedule")])),
            Build.NodeInfo(Build.Node("used"), Build.Pod("x", cpu: "1", memory: "1Gi")),
        ];

        var result = Algorithm().Schedule(Build.Pod(cpu: "100m").Info(), nodes);

        Assert.Equal("used", result.SuggestedHost);
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(100, 100)]
    [InlineData(1000, 420)]
    [InlineData(5000, 500)]
    [InlineData(10000, 500)]
    [InlineData(1500, 570)]
    public void NumFeasibleNodesToFind_Adaptive_MatchesUpstream(int nodes, int expected)
    {
        Assert.Equal(expected, SchedulingAlgorithm.NumFeasibleNodesToFind(nodes));
    }

    [Fact]
    public void Schedule_ManyNodes_StopsAfterEnoughFeasibleAndRotatesStart()
    {
        var nodes = Enumerable.Range(0, 1000).Select(i => Build.NodeInfo(Build.Node($"n{i}"))).ToList();
        var algorithm = Algorithm();

        var first = algorithm.Schedule(Build.Pod().Info(), nodes);
        var second = algorithm.Schedule(Build.Pod().Info(), nodes);

        Assert.Equal(420, first.EvaluatedNodes);
        Assert.Equal(420, first.FeasibleNodes);
        Assert.True(int.Parse(second.SuggestedHost![1..]) is >= 420 and < 840, second.SuggestedHost);
    }

    [Fact]
    public void Schedule_PreemptionPolicyNever_SaysNotEligible()
    {
        var pod = Build.Pod(cpu: "8");
        pod.Spec.PreemptionPolicy = "Never";

        var result = Algorithm().Schedule(pod.Info(), [Build.NodeInfo(Build.Node())]);

        Assert.EndsWith("1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..", result.Error!.Message);
    }
}
