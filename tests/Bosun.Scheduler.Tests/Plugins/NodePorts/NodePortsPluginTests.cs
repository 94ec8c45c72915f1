using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.NodePorts;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Plugins.NodePorts;

public sealed class NodePortsPluginTests
{
    private static V1Pod WithPort(string name, int hostPort, string? protocol = null, string? hostIp = null)
    {
        var pod = Build.Pod(name);
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = hostPort, Protocol = protocol, HostIP = hostIp }];
        return pod;
    }

    [Theory]
    [InlineData(8080, null, null, 8080, null, null, false)]
    [InlineData(8080, "TCP", null, 8081, "TCP", null, true)]
    [InlineData(8080, "UDP", null, 8080, "TCP", null, true)]
    [InlineData(8080, null, "127.0.0.1", 8080, null, "127.0.0.2", true)]
    [InlineData(8080, null, "127.0.0.1", 8080, null, "0.0.0.0", false)]
    [InlineData(8080, null, null, 8080, null, "10.0.0.1", false)]
    public void Filter_HostPortTakenOnTheNode_Unschedulable(int wanted, string? wantedProtocol, string? wantedIp, int used, string? usedProtocol, string? usedIp, bool fits)
    {
        var node = Build.NodeInfo(Build.Node(), WithPort("existing", used, usedProtocol, usedIp));

        var status = new NodePortsPlugin().Filter(new CycleState(), WithPort("new", wanted, wantedProtocol, wantedIp).Info(), node);

        Assert.Equal(fits ? Status.Success : Status.Unschedulable(NodePortsPlugin.Reason), status);
    }

    [Fact]
    public void Filter_PodWithoutHostPorts_FitsANodeWhoseHostPortsAreTaken()
    {
        var node = Build.NodeInfo(Build.Node(), WithPort("existing", 8080));

        Assert.Equal(Status.Success, new NodePortsPlugin().Filter(new CycleState(), Build.Pod("plain").Info(), node));
    }
}
