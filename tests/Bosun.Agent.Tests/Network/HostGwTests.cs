using System.Net;
using Bosun.Agent.Network;
using k8s.Models;

namespace Bosun.Agent.Tests.Network;

public sealed class HostGwTests
{
    private static readonly IPNetwork Cluster = IPNetwork.Parse("10.244.0.0/16");

    private static V1Node Node(string name, string? podCidr, string? internalIp, string? externalIp = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NodeSpec { PodCIDR = podCidr },
        Status = new V1NodeStatus
        {
            Addresses = [.. new[] { ("ExternalIP", externalIp), ("InternalIP", internalIp) }.Where(a => a.Item2 is not null)
                .Select(a => new V1NodeAddress { Type = a.Item1, Address = a.Item2 })],
        },
    };

    private static PodRoute Route(string cidr, string via) => new(IPNetwork.Parse(cidr), IPAddress.Parse(via));

    [Fact]
    public void DesiredRoutes_EveryOtherNodesPodCidrViaItsInternalIp_NotOurOwn()
    {
        var nodes = new[] { Node("a", "10.244.0.0/24", "192.168.1.1"), Node("b", "10.244.1.0/24", "192.168.1.2", "203.0.113.9"), Node("c", "10.244.2.0/24", "192.168.1.3") };

        var routes = HostGw.DesiredRoutes(nodes, "a", Cluster);

        Assert.Equal([Route("10.244.1.0/24", "192.168.1.2"), Route("10.244.2.0/24", "192.168.1.3")], routes);
    }

    [Fact]
    public void DesiredRoutes_SkipsNodesWithoutPodCidrOrInternalIp_OrWithIpv6()
    {
        var nodes = new[]
        {
            Node("a", "10.244.0.0/24", "192.168.1.1"), Node("no-cidr", null, "192.168.1.2"), Node("no-ip", "10.244.3.0/24", null),
            Node("v6", "fd00:10:244:4::/64", "fd00::4"), Node("v6-ip", "10.244.5.0/24", "fd00::5"), Node("garbage", "not-a-cidr", "192.168.1.6"),
        };

        Assert.Empty(HostGw.DesiredRoutes(nodes, "a", Cluster));
    }

    [Fact]
    public void DesiredRoutes_OnlyDestinationsInsideTheClusterCidr()
    {
        var nodes = new[] { Node("b", "10.99.1.0/24", "192.168.1.2"), Node("c", "10.244.0.0/15", "192.168.1.3"), Node("d", "10.244.9.0/24", "192.168.1.4") };

        Assert.Equal([Route("10.244.9.0/24", "192.168.1.4")], HostGw.DesiredRoutes(nodes, "a", Cluster));
    }

    [Fact]
    public void DesiredRoutes_NodeIpInsideThePodNetwork_IsNoGateway()
    {
        Assert.Empty(HostGw.DesiredRoutes([Node("b", "10.244.1.0/24", "10.244.7.5")], "a", Cluster));
    }

    [Fact]
    public void DesiredRoutes_TwoNodesClaimingOnePodCidr_FirstByNameWins_AndOurOwnIsNeverRouted()
    {
        var nodes = new[]
        {
            Node("z-stale", "10.244.1.0/24", "192.168.1.9"), Node("b", "10.244.1.0/24", "192.168.1.2"),
            Node("a", "10.244.0.0/24", "192.168.1.1"), Node("old-a", "10.244.0.0/24", "192.168.1.8"),
        };

        Assert.Equal([Route("10.244.1.0/24", "192.168.1.2")], HostGw.DesiredRoutes(nodes, "a", Cluster));
    }

    [Fact]
    public void Plan_ReplacesMissingOrMovedRoutes_DeletesRoutesOfGoneNodes_LeavesOthersAlone()
    {
        var current = new[]
        {
            Route("10.244.1.0/24", "192.168.1.2"),    // unchanged
            Route("10.244.2.0/24", "192.168.1.30"),   // node c changed address
            Route("10.244.3.0/24", "192.168.1.4"),    // node d deleted
            Route("10.99.0.0/24", "192.168.1.5"),     // ours by protocol, but outside this cluster: not touched
        };
        var desired = new[] { Route("10.244.1.0/24", "192.168.1.2"), Route("10.244.2.0/24", "192.168.1.3"), Route("10.244.4.0/24", "192.168.1.6") };

        var plan = HostGw.Plan(current, desired, Cluster);

        Assert.Equal([Route("10.244.2.0/24", "192.168.1.3"), Route("10.244.4.0/24", "192.168.1.6")], plan.Replace);
        Assert.Equal([Route("10.244.3.0/24", "192.168.1.4")], plan.Delete);
    }

    [Fact]
    public void Plan_NothingChanged_IsEmpty()
    {
        var routes = new[] { Route("10.244.1.0/24", "192.168.1.2") };

        Assert.True(HostGw.Plan(routes, routes, Cluster).IsEmpty);
    }

    [Fact]
    public void ParseIpJson_RoutesWithGateways_HostRoutesGetSlash32()
    {
        const string json = """
            [{"dst":"10.244.1.0/24","gateway":"192.168.1.2","dev":"veth0","protocol":"150","flags":[]},
             {"dst":"10.244.9.9","gateway":"192.168.1.3","dev":"veth0","flags":[]},
             {"dst":"10.244.5.0/24","dev":"bosun0","scope":"link","flags":[]}]
            """;

        Assert.Equal([Route("10.244.1.0/24", "192.168.1.2"), Route("10.244.9.9/32", "192.168.1.3")], HostNetworkCommands.Parse(json));
        Assert.Empty(HostNetworkCommands.Parse(""));
        Assert.Empty(HostNetworkCommands.Parse("[]"));
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData(null, "/run/containerd/containerd.sock", false)]
    [InlineData("host-gw", "/run/containerd/containerd.sock", true)]
    [InlineData("none", null, false)]
    public void FlannelBackend_DefaultsToHostGwOnlyWithTheAgentsOwnCni(string? value, string? endpoint, bool expected)
    {
        Assert.Equal(expected, FlannelBackend.Resolve(value, endpoint, out var error));
        Assert.Null(error);
    }

    [Fact]
    public void FlannelBackend_Unknown_IsAClearError()
    {
        Assert.Null(FlannelBackend.Resolve("vxlan", null, out var error));
        Assert.Equal("--flannel-backend: \"vxlan\" is not supported (host-gw or none)", error);
    }
}
