using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.NodeName;

namespace Bosun.Scheduler.Tests.Plugins.NodeName;

public sealed class NodeNamePluginTests
{
    [Theory]
    [InlineData(null, "n1", true)]
    [InlineData("n1", "n1", true)]
    [InlineData("n2", "n1", false)]
    public void Filter_ByRequestedNodeName_MatchesOnlyThatNode(string? nodeName, string node, bool fits)
    {
        var status = new NodeNamePlugin().Filter(new CycleState(), Build.Pod(nodeName: nodeName).Info(), Build.NodeInfo(Build.Node(node)));

        Assert.Equal(fits ? Status.Success : Status.UnschedulableAndUnresolvable(NodeNamePlugin.Reason), status);
    }
}
