using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.TaintToleration;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Plugins.TaintToleration;

public sealed class TaintTolerationPluginTests
{
    public static TheoryData<string, V1Taint, V1Toleration?, string?> FilterCases => new()
    {
        { "no toleration, NoSchedule", Build.Taint("dedicated", "gpu", "NoSchedule"), null, "node(s) had untolerated taint {dedicated: gpu}" },
        { "no toleration, NoExecute", Build.Taint("k", "v", "NoExecute"), null, "node(s) had untolerated taint {k: v}" },
        { "PreferNoSchedule does not filter", Build.Taint("k", "v", "PreferNoSchedule"), null, null },
        { "Equal toleration", Build.Taint("dedicated", "gpu", "NoSchedule"), Build.Toleration("dedicated", "Equal", "gpu", "NoSchedule"), null },
        { "Equal, other value", Build.Taint("dedicated", "gpu", "NoSchedule"), Build.Toleration("dedicated", "Equal", "cpu", "NoSchedule"), "node(s) had untolerated taint {dedicated: gpu}" },
        { "Exists, any effect", Build.Taint("dedicated", "gpu", "NoExecute"), Build.Toleration("dedicated", "Exists", null, null), null },
        { "empty key Exists tolerates all", Build.Taint("x", "y", "NoSchedule"), Build.Toleration(null, "Exists", null, null), null },
        { "effect mismatch", Build.Taint("k", "v", "NoExecute"), Build.Toleration("k", "Equal", "v", "NoSchedule"), "node(s) had untolerated taint {k: v}" },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public void Filter_TaintedNode_RejectsUntoleratedHardTaints(string name, V1Taint taint, V1Toleration? toleration, string? reason)
    {
        var pod = Build.Pod(tolerations: toleration is null ? null : [toleration]).Info();

        var status = new TaintTolerationPlugin().Filter(new CycleState(), pod, Build.NodeInfo(Build.Node(taints: [taint])));

        Assert.True((reason is null ? Status.Success : Status.UnschedulableAndUnresolvable(reason)) == status, name);
    }

    [Fact]
    public void Score_PreferNoScheduleTaints_FewerIsBetter()
    {
        var plugin = new TaintTolerationPlugin();
        var pod = Build.Pod().Info();
        var clean = Build.NodeInfo(Build.Node("a"));
        var one = Build.NodeInfo(Build.Node("b", taints: [Build.Taint("k", "v", "PreferNoSchedule")]));
        var two = Build.NodeInfo(Build.Node("c", taints: [Build.Taint("k", "v", "PreferNoSchedule"), Build.Taint("k2", "v", "PreferNoSchedule")]));
        long[] scores = [plugin.Score(new(), pod, clean), plugin.Score(new(), pod, one), plugin.Score(new(), pod, two)];

        plugin.NormalizeScore(new(), pod, scores);

        Assert.Equal([100L, 50L, 0L], scores);
    }
}
