using System.Net;
using Bosun.ApiServer.Bootstrap;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using static Bosun.ApiServer.Tests.Registry.StoreFixture;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class KubernetesServiceTests
{
    [Fact]
    public async Task Ensure_FirstStart_CreatesServiceEndpointsAndSliceOnFirstIp()
    {
        await using var storage = new MemoryStore();
        var f = await WithKubeSystemAsync(storage);

        await KubernetesService.EnsureAsync(f.Catalog, f.Services.Ips.FirstAddress, 6443, Ct);
        await new ApiServerEndpointReconciler(f.Catalog, IPAddress.Parse("192.168.1.10"), 6443, TimeProvider.System, NullLogger.Instance).RenewAndReconcileAsync(Ct);

        var svc = await f.Store("", "services").GetAsync("default", "kubernetes", Ct);
        Assert.Equal("10.96.0.1", svc.Obj("spec").Str("clusterIP"));
        Assert.Equal("""[{"name":"https","port":443,"protocol":"TCP","targetPort":6443}]""", svc.Obj("spec")!["ports"]!.ToJsonString());
        var ep = await f.Store("", "endpoints").GetAsync("default", "kubernetes", Ct);
        Assert.Equal("""[{"addresses":[{"ip":"192.168.1.10"}],"ports":[{"name":"https","port":6443,"protocol":"TCP"}]}]""", ep["subsets"]!.ToJsonString());
        var slice = await f.Store("discovery.k8s.io", "endpointslices").GetAsync("default", "kubernetes", Ct);
        Assert.Equal("IPv4", slice.Str("addressType"));
        Assert.Equal("kubernetes", slice.Obj("metadata").Obj("labels").Str("kubernetes.io/service-name"));
    }

    [Fact]
    public async Task Ensure_RestartOnNewPort_KeepsIpAndUpdatesPorts()
    {
        await using var storage = new MemoryStore();
        var first = await StartAsync(storage);
        await KubernetesService.EnsureAsync(first.Catalog, first.Services.Ips.FirstAddress, 6443, Ct);

        var second = await StartAsync(storage);
        await KubernetesService.EnsureAsync(second.Catalog, second.Services.Ips.FirstAddress, 7443, Ct);

        var svc = await second.Store("", "services").GetAsync("default", "kubernetes", Ct);
        Assert.Equal("10.96.0.1", svc.Obj("spec").Str("clusterIP"));
        Assert.Equal(7443, svc.Obj("spec")!.Arr("ports")![0]!.AsObject().Long("targetPort"));
        Assert.True(second.Services.Ips.IsAllocated(IPAddress.Parse("10.96.0.1")));
    }

    [Fact]
    public async Task TwoServers_EndpointsNameBoth_OneSubsetPerPort_AndADeadOneDropsOutWhenItsLeaseExpires()
    {
        await using var storage = new MemoryStore();
        var f = await WithKubeSystemAsync(storage);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
        var a = new ApiServerEndpointReconciler(f.Catalog, IPAddress.Parse("10.0.0.1"), 6443, time, NullLogger.Instance);
        var b = new ApiServerEndpointReconciler(f.Catalog, IPAddress.Parse("10.0.0.2"), 6443, time, NullLogger.Instance);
        var c = new ApiServerEndpointReconciler(f.Catalog, IPAddress.Parse("10.0.0.3"), 7443, time, NullLogger.Instance);
        await a.RenewAndReconcileAsync(Ct);
        await b.RenewAndReconcileAsync(Ct);
        await c.RenewAndReconcileAsync(Ct);

        Assert.Equal("""[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"}],"ports":[{"name":"https","port":6443,"protocol":"TCP"}]},""" +
            """{"addresses":[{"ip":"10.0.0.3"}],"ports":[{"name":"https","port":7443,"protocol":"TCP"}]}]""", await Subsets(f));
        var slice = await f.Store("discovery.k8s.io", "endpointslices").GetAsync("default", "kubernetes", Ct);
        Assert.Equal("""[{"addresses":["10.0.0.1"],"conditions":{"ready":true}},{"addresses":["10.0.0.2"],"conditions":{"ready":true}}]""", slice["endpoints"]!.ToJsonString());

        // b and c stop renewing (killed): after the Lease duration a's next pass leaves them out.
        time.Advance(ApiServerEndpointReconciler.LeaseDuration - TimeSpan.FromSeconds(1));
        await a.RenewAndReconcileAsync(Ct);
        Assert.Contains("10.0.0.2", await Subsets(f));
        time.Advance(TimeSpan.FromSeconds(2));
        await a.RenewAndReconcileAsync(Ct);
        Assert.Equal("""[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"name":"https","port":6443,"protocol":"TCP"}]}]""", await Subsets(f));
    }

    [Fact]
    public async Task CleanStop_RemovesTheServerAtOnce()
    {
        await using var storage = new MemoryStore();
        var f = await WithKubeSystemAsync(storage);
        var a = new ApiServerEndpointReconciler(f.Catalog, IPAddress.Parse("10.0.0.1"), 6443, TimeProvider.System, NullLogger.Instance);
        var b = new ApiServerEndpointReconciler(f.Catalog, IPAddress.Parse("10.0.0.2"), 6443, TimeProvider.System, NullLogger.Instance);
        await a.RenewAndReconcileAsync(Ct);
        await b.RenewAndReconcileAsync(Ct);

        await b.RemoveAsync(Ct);

        Assert.Equal("""[{"addresses":[{"ip":"10.0.0.1"}],"ports":[{"name":"https","port":6443,"protocol":"TCP"}]}]""", await Subsets(f));
        await Assert.ThrowsAsync<Errors.ApiException>(() => f.Store("coordination.k8s.io", "leases").GetAsync("kube-system", b.LeaseName, Ct));
    }

    /// <summary>The fixture plus kube-system, where the API server Leases live.</summary>
    private static async Task<StoreFixture> WithKubeSystemAsync(MemoryStore storage)
    {
        var f = await StartAsync(storage);
        await f.Catalog.Get("", "v1", "namespaces").CreateAsync(null, Obj("""{"metadata":{"name":"kube-system"}}"""), new Bosun.ApiServer.Registry.WriteOptions(), Ct);
        return f;
    }

    private static async Task<string> Subsets(StoreFixture f) =>
        (await f.Store("", "endpoints").GetAsync("default", "kubernetes", Ct))["subsets"]!.ToJsonString();
}
