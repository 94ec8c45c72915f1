using Bosun.Controllers.NodeIpam;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>Pod CIDRs for nodes: unique /24s from the cluster CIDR, rebuilt at start, reused after a delete.</summary>
public sealed class NodeIpamControllerTests
{
    private static V1Node Node(string name, string? cidr = null) => new()
    {
        ApiVersion = "v1", Kind = "Node",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = cidr is null ? null : new V1NodeSpec { PodCIDR = cidr, PodCIDRs = [cidr] },
    };

    [Fact]
    public async Task Reconcile_ThreeNodes_AssignsUniqueSlash24s()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new NodeIpamController(f.Context, "10.244.0.0/16", 24));
        await f.StartInformersAsync();
        foreach (var n in (string[])["a", "b", "c"]) await f.Api.CreateAsync(null, Node(n), f.Ct);
        await f.SettleAsync();

        foreach (var n in (string[])["a", "b", "c"]) await f.ReconcileAsync(c, "", n);

        var nodes = await f.ListAsync<V1Node>(null);
        Assert.Equal(["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"], nodes.Select(n => n.Spec.PodCIDR).Order());
        Assert.All(nodes, n => Assert.Equal([n.Spec.PodCIDR], n.Spec.PodCIDRs));
    }

    [Fact]
    public async Task Reconcile_ExistingNodesAtStart_SkipsTheirCidrs()
    {
        await using var f = await ControllerFixture.StartAsync();
        await f.Api.CreateAsync(null, Node("old0", "10.244.0.0/24"), f.Ct);
        await f.Api.CreateAsync(null, Node("old2", "10.244.2.0/24"), f.Ct);
        await f.Api.CreateAsync(null, Node("new1"), f.Ct);
        await f.Api.CreateAsync(null, Node("new2"), f.Ct);
        var c = f.Add(new NodeIpamController(f.Context));
        await f.StartInformersAsync();

        await f.ReconcileAsync(c, "", "new1");
        await f.ReconcileAsync(c, "", "new2");

        Assert.Equal("10.244.1.0/24", (await f.Api.GetAsync<V1Node>(null, "new1", f.Ct)).Spec.PodCIDR);
        Assert.Equal("10.244.3.0/24", (await f.Api.GetAsync<V1Node>(null, "new2", f.Ct)).Spec.PodCIDR);
    }

    [Fact]
    public async Task Reconcile_NodeDeleted_ReleasesItsCidrForTheNextNode()
    {
        await using var f = await ControllerFixture.StartAsync();
        var c = f.Add(new NodeIpamController(f.Context));
        await f.StartInformersAsync();
        foreach (var n in (string[])["a", "b"]) await f.Api.CreateAsync(null, Node(n), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "a");
        await f.ReconcileAsync(c, "", "b");
        var aCidr = (await f.Api.GetAsync<V1Node>(null, "a", f.Ct)).Spec.PodCIDR;

        await f.Api.DeleteAsync<V1Node>(null, "a", f.Ct);
        await f.Api.CreateAsync(null, Node("c"), f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "a");
        await f.ReconcileAsync(c, "", "c");

        Assert.Equal(aCidr, (await f.Api.GetAsync<V1Node>(null, "c", f.Ct)).Spec.PodCIDR);
        Assert.Equal(2, c.Cidrs.Used);
    }

    [Fact]
    public void CidrSet_SmallRangeExhausted_ReturnsNull()
    {
        var set = new CidrSet("10.0.0.0/23", 24);

        Assert.Equal("10.0.0.0/24", set.Allocate());
        Assert.Equal("10.0.1.0/24", set.Allocate());
        Assert.Null(set.Allocate());
        Assert.False(set.Occupy("10.1.0.0/24"));
    }
}

/// <summary>The manager's options reach the controllers it builds.</summary>
public sealed class ControllerManagerOptionsTests
{
    [Fact]
    public async Task Controllers_ClusterCidrOption_NodeIpamAllocatesFromIt()
    {
        await using var f = await ControllerFixture.StartAsync();
        var controllers = ControllerManager.Controllers(f.Context, new ControllerManagerOptions { ClusterCidr = "10.100.0.0/16" }).ToList();
        var ipam = f.Add((NodeIpamController)controllers.Single(c => c.Name == "nodeipam"));
        await f.StartInformersAsync();
        await f.Api.CreateAsync(null, new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = "a" } }, f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(ipam, "", "a");

        Assert.Contains("nodelifecycle", controllers.Select(c => c.Name));
        Assert.Contains("disruption", controllers.Select(c => c.Name));
        Assert.Equal("10.100.0.0/24", (await f.Api.GetAsync<V1Node>(null, "a", f.Ct)).Spec.PodCIDR);
    }
}
