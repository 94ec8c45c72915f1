using Bosun.Controllers.EndpointSlices;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>Endpoints and EndpointSlices for Services over hand-made pods.</summary>
public sealed class EndpointsControllerTests
{
    private static async Task<(ControllerFixture F, EndpointsController C)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var c = f.Add(new EndpointsController(f.Context));
        await f.StartInformersAsync();
        await f.Api.CreateAsync("default", new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["team"] = "a" } },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "web" },
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = "http", Protocol = "TCP" }],
            },
        }, f.Ct);
        var ready = await f.Api.CreateAsync("default", Build.Pod("ready", new() { ["app"] = "web" }), f.Ct);
        var waiting = await f.Api.CreateAsync("default", Build.Pod("waiting", new() { ["app"] = "web" }), f.Ct);
        await f.Api.CreateAsync("default", Build.Pod("no-ip", new() { ["app"] = "web" }), f.Ct);
        await f.Api.CreateAsync("default", Build.Pod("other", new() { ["app"] = "other" }), f.Ct);
        await f.MarkReadyAsync(ready, ready: true, ip: "10.0.0.1");
        await f.MarkReadyAsync(waiting, ready: false, ip: "10.0.0.2");
        await f.SettleAsync();
        return (f, c);
    }

    [Fact]
    public async Task Reconcile_ReadyAndNotReadyPods_PublishesEndpointsWithNamedTargetPort()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;

        await f.ReconcileAsync(c, "default", "web");

        var ep = await f.Api.GetAsync<V1Endpoints>("default", "web", f.Ct);
        var subset = Assert.Single(ep.Subsets);
        Assert.Equal(["10.0.0.1"], subset.Addresses.Select(a => a.Ip));
        Assert.Equal("ready", subset.Addresses[0].TargetRef.Name);
        Assert.Equal(["10.0.0.2"], subset.NotReadyAddresses.Select(a => a.Ip));
        var port = Assert.Single(subset.Ports);
        Assert.Equal(("http", 8080, "TCP"), (port.Name, port.Port, port.Protocol));
        Assert.Equal("a", ep.Metadata.Labels["team"]);
        Assert.Equal("true", ep.Metadata.Labels["endpointslice.kubernetes.io/skip-mirror"]);
    }

    [Fact]
    public async Task Reconcile_ReadyAndNotReadyPods_PublishesOneLabelledSlice()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;

        await f.ReconcileAsync(c, "default", "web");

        var slice = Assert.Single(await f.ListAsync<V1EndpointSlice>(), s => s.Metadata.Name != "kubernetes");
        Assert.Equal("web", slice.Metadata.Labels["kubernetes.io/service-name"]);
        Assert.Equal("endpointslice-controller.k8s.io", slice.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal([("10.0.0.1", true), ("10.0.0.2", false)], slice.Endpoints.Select(e => (e.Addresses[0], e.Conditions.Ready ?? false)));
        Assert.Equal(8080, Assert.Single(slice.Ports).Port);
        Assert.Equal("Service", Assert.Single(slice.Metadata.OwnerReferences).Kind);
    }

    [Fact]
    public async Task Reconcile_PodBecomesReady_MovesItToAddresses()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.ReconcileAsync(c, "default", "web");

        await f.MarkReadyAsync(await f.Api.GetAsync<V1Pod>("default", "waiting", f.Ct), ready: true);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "web");

        var ep = await f.Api.GetAsync<V1Endpoints>("default", "web", f.Ct);
        Assert.Equal(["10.0.0.1", "10.0.0.2"], Assert.Single(ep.Subsets).Addresses.Select(a => a.Ip));
        Assert.Null(ep.Subsets[0].NotReadyAddresses);
        Assert.All(Assert.Single(await f.ListAsync<V1EndpointSlice>(), s => s.Metadata.Name != "kubernetes").Endpoints, e => Assert.True(e.Conditions.Ready));
    }

    [Fact]
    public async Task Reconcile_Twice_SecondRunWritesNothing()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.ReconcileAsync(c, "default", "web");
        var before = await f.SnapshotAsync();

        await f.ReconcileAsync(c, "default", "web");

        Assert.Equal(before, await f.SnapshotAsync());
    }

    [Fact]
    public async Task Reconcile_ServiceDeleted_RemovesEndpointsAndSlices()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.ReconcileAsync(c, "default", "web");

        await f.Api.DeleteAsync<V1Service>("default", "web", f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "web");

        Assert.Null(await f.Api.TryGetAsync<V1Endpoints>("default", "web", f.Ct));
        Assert.DoesNotContain(await f.ListAsync<V1EndpointSlice>(), s => s.Metadata.Name != "kubernetes");
    }

    [Theory]
    [InlineData(null, 80)]
    [InlineData("9090", 9090)]
    [InlineData("http", 8080)]
    [InlineData("missing", null)]
    public void FindPort_TargetPortForms_ResolveAgainstContainerPorts(string? target, int? want)
    {
        var pod = Build.Pod("p", new() { ["app"] = "web" });
        var port = new V1ServicePort { Port = 80, TargetPort = target is null ? null : (IntOrString)target };

        Assert.Equal(want, EndpointsPlan.FindPort(pod, port));
    }
}
