using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.NodeUnschedulable;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Plugins.NodeUnschedulable;

public sealed class NodeUnschedulablePluginTests
{
    public static TheoryData<string, bool, V1Toleration?, bool> Cases => new()
    {
        { "schedulable node", false, null, true },
        { "cordoned node", true, null, false },
        { "cordoned, tolerated by key", true, Build.Toleration("node.kubernetes.io/unschedulable", "Exists", null, "NoSchedule"), true },
        { "cordoned, tolerate everything", true, Build.Toleration(null, "Exists", null, null), true },
        { "cordoned, wrong effect", true, Build.Toleration("node.kubernetes.io/unschedulable", "Exists", null, "NoExecute"), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Filter_CordonedNode_RejectsUnlessTolerated(string name, bool unschedulable, V1Toleration? toleration, bool fits)
    {
        var pod = Build.Pod(tolerations: toleration is null ? null : [toleration]).Info();

        var status = new NodeUnschedulablePlugin().Filter(new CycleState(), pod, Build.NodeInfo(Build.Node(unschedulable: unschedulable)));

        Assert.True(fits == status.IsSuccess, name);
        if (!fits) Assert.Equal(Status.UnschedulableAndUnresolvable("node(s) were unschedulable"), status);
    }
}
