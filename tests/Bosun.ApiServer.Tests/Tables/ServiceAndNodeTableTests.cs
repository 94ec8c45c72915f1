using Bosun.ApiServer.Tables;
using static Bosun.ApiServer.Tests.Tables.TableTestData;

namespace Bosun.ApiServer.Tests.Tables;

public sealed class ServiceAndNodeTableTests
{
    private static readonly TableConvertor Services = TableConvertors.For("", "services");
    private static readonly TableConvertor Nodes = TableConvertors.For("", "nodes");

    [Fact]
    public void Cells_NodePortService_ShowsNodePortAndNoExternalIP()
    {
        var cells = Services.Cells(Parse("""
            {"metadata":{"name":"web"},"spec":{"type":"NodePort","clusterIP":"10.43.0.10","clusterIPs":["10.43.0.10"],
             "ports":[{"port":80,"nodePort":32189,"protocol":"TCP"},{"port":53,"protocol":"UDP"}],"selector":{"app":"web","tier":"fe"}}}
            """), Now);

        Assert.Equal(new object?[] { "web", "NodePort", "10.43.0.10", "<none>", "80:32189/TCP,53/UDP", "<unknown>", "app=web,tier=fe" }, cells);
    }

    [Fact]
    public void Cells_LoadBalancerWithoutIngress_ShowsPending()
    {
        var cells = Services.Cells(Parse("""{"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","clusterIPs":["10.43.0.11"],"ports":[{"port":443}]}}"""), Now);

        Assert.Equal("<pending>", cells[3]);
        Assert.Equal("443/TCP", cells[4]);
    }

    [Fact]
    public void Cells_LoadBalancerWithIngressAndExternalIPs_ListsBoth()
    {
        var cells = Services.Cells(Parse("""
            {"metadata":{"name":"lb"},"spec":{"type":"LoadBalancer","externalIPs":["1.2.3.4"]},
             "status":{"loadBalancer":{"ingress":[{"ip":"172.18.0.3"},{"hostname":"lb.example"}]}}}
            """), Now);

        Assert.Equal("172.18.0.3,lb.example,1.2.3.4", cells[3]);
        Assert.Equal("<none>", cells[2]);
        Assert.Equal("<none>", cells[4]);
    }

    [Fact]
    public void Cells_ClusterIPWithExternalIPs_JoinsThem()
    {
        var cells = Services.Cells(Parse("""{"metadata":{"name":"s"},"spec":{"clusterIP":"None","externalIPs":["1.1.1.1","2.2.2.2"]}}"""), Now);

        Assert.Equal("ClusterIP", cells[1]);
        Assert.Equal("None", cells[2]);
        Assert.Equal("1.1.1.1,2.2.2.2", cells[3]);
        Assert.Equal("<none>", cells[6]);
    }

    [Fact]
    public void Cells_ExternalNameService_ShowsExternalName()
    {
        var cells = Services.Cells(Parse("""{"metadata":{"name":"s"},"spec":{"type":"ExternalName","externalName":"db.example.com"}}"""), Now);

        Assert.Equal("db.example.com", cells[3]);
    }

    [Fact]
    public void Cells_ReadyUnschedulableNode_ShowsSchedulingDisabled()
    {
        var cells = Nodes.Cells(Parse("""
            {"metadata":{"name":"node1","labels":{"node-role.kubernetes.io/master":"","node-role.kubernetes.io/control-plane":"","kubernetes.io/hostname":"node1"}},
             "spec":{"unschedulable":true},
             "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
               "addresses":[{"type":"InternalIP","address":"192.168.1.10"},{"type":"Hostname","address":"node1"}],
               "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Ubuntu 24.04","kernelVersion":"6.8.0","containerRuntimeVersion":"containerd://2.0.0"}}}
            """), Now);

        Assert.Equal(new object?[]
        {
            "node1", "Ready,SchedulingDisabled", "control-plane,master", "<unknown>", "v1.32.0",
            "192.168.1.10", "<none>", "Ubuntu 24.04", "6.8.0", "containerd://2.0.0",
        }, cells);
    }

    [Fact]
    public void Cells_NodeWithoutRolesOrInfo_UsesPlaceholders()
    {
        var cells = Nodes.Cells(Parse("""{"metadata":{"name":"n"},"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}}"""), Now);

        Assert.Equal("NotReady", cells[1]);
        Assert.Equal("<none>", cells[2]);
        Assert.Equal("", cells[4]);
        Assert.Equal("<unknown>", cells[7]);
    }

    [Fact]
    public void Cells_NodeWithoutConditions_ShowsUnknown()
    {
        var cells = Nodes.Cells(Parse("""{"metadata":{"name":"n","labels":{"kubernetes.io/role":"worker"}}}"""), Now);

        Assert.Equal("Unknown", cells[1]);
        Assert.Equal("worker", cells[2]);
    }
}
