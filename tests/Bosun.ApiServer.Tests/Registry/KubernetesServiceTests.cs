using System.Net;
using Bosun.ApiServer.Bootstrap;
using Bosun.Storage.Memory;
using static Bosun.ApiServer.Tests.Registry.StoreFixture;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class KubernetesServiceTests
{
    [Fact]
    public async Task Ensure_FirstStart_CreatesServiceEndpointsAndSliceOnFirstIp()
    {
        await using var storage = new MemoryStore();
        var f = await StartAsync(storage);

        await KubernetesService.EnsureAsync(f.Catalog, f.Services.Ips.FirstAddress, IPAddress.Parse("192.168.1.10"), 6443, Ct);

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
        await KubernetesService.EnsureAsync(first.Catalog, first.Services.Ips.FirstAddress, IPAddress.Loopback, 6443, Ct);

        var second = await StartAsync(storage);
        await KubernetesService.EnsureAsync(second.Catalog, second.Services.Ips.FirstAddress, IPAddress.Loopback, 7443, Ct);

        var svc = await second.Store("", "services").GetAsync("default", "kubernetes", Ct);
        Assert.Equal("10.96.0.1", svc.Obj("spec").Str("clusterIP"));
        Assert.Equal(7443, svc.Obj("spec")!.Arr("ports")![0]!.AsObject().Long("targetPort"));
        Assert.True(second.Services.Ips.IsAllocated(IPAddress.Parse("10.96.0.1")));
    }
}
