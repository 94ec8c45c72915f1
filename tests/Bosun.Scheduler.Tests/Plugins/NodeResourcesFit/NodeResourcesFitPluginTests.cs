using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.NodeResourcesFit;

namespace Bosun.Scheduler.Tests.Plugins.NodeResourcesFit;

public sealed class NodeResourcesFitPluginTests
{
    public static TheoryData<string, string?, string?, string?, string[]> FilterCases => new()
    {
        { "fits", "1", "1Gi", null, [] },
        { "exactly fits the rest", "3", "7Gi", null, [] },
        { "too much cpu", "3500m", "1Gi", null, ["Insufficient cpu"] },
        { "too much memory", "1", "8Gi", null, ["Insufficient memory"] },
        { "both", "4", "8Gi", null, ["Insufficient cpu", "Insufficient memory"] },
        { "init container's max counts", "1", null, "3500m", ["Insufficient cpu"] },
        { "init container below containers", "2", null, "1", [] },
        { "no requests always fit", null, null, null, [] },
    };

    /// <summary>The node: 4 cpu, 8Gi, and a pod already using 1 cpu and 1Gi.</summary>
    [Theory]
    [MemberData(nameof(FilterCases))]
    public void Filter_Requests_ComparedWithWhatIsFree(string name, string? cpu, string? memory, string? initCpu, string[] reasons)
    {
        var node = Build.NodeInfo(Build.Node(cpu: "4", memory: "8Gi"), Build.Pod("existing", cpu: "1", memory: "1Gi"));
        var pod = Build.Pod(cpu: cpu, memory: memory, initCpu: initCpu).Info();

        var status = new NodeResourcesFitPlugin().Filter(new CycleState(), pod, node);

        Assert.True((reasons.Length == 0 ? Status.Success : Status.Unschedulable(reasons)) == status, $"{name}: {status}");
    }

    [Fact]
    public void Filter_PodCountAtCapacity_TooManyPods()
    {
        var node = Build.NodeInfo(Build.Node(pods: 2), Build.Pod("a"), Build.Pod("b"));

        var status = new NodeResourcesFitPlugin().Filter(new CycleState(), Build.Pod().Info(), node);

        Assert.Equal(Status.Unschedulable("Too many pods"), status);
        Assert.Equal(StatusCode.Unschedulable, status.Code);
    }

    [Theory]
    [InlineData(ScoringStrategy.LeastAllocated, 75, 25)]
    [InlineData(ScoringStrategy.MostAllocated, 25, 75)]
    public void Score_Strategy_RanksByFreeOrUsedShare(ScoringStrategy strategy, long emptyScore, long busyScore)
    {
        var plugin = new NodeResourcesFitPlugin(strategy);
        var pod = Build.Pod(cpu: "1", memory: "2Gi").Info();
        var empty = Build.NodeInfo(Build.Node("empty", cpu: "4", memory: "8Gi"));
        var busy = Build.NodeInfo(Build.Node("busy", cpu: "4", memory: "8Gi"), Build.Pod("x", cpu: "2", memory: "4Gi"));

        Assert.Equal(emptyScore, plugin.Score(new(), pod, empty));
        Assert.Equal(busyScore, plugin.Score(new(), pod, busy));
    }
}
