using System.Net;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Allocation;
using Bosun.Storage.Memory;
using static Bosun.ApiServer.Tests.Registry.StoreFixture;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class ServiceAllocationTests : IAsyncLifetime
{
    private StoreFixture f = null!;

    public async Task InitializeAsync() => f = await StartAsync();

    public async Task DisposeAsync() => await f.Storage.DisposeAsync();

    private Task<JsonObject> Create(string name, string spec = """{"ports":[{"port":80}]}""", bool dryRun = false) =>
        f.CreateAsync("", "services", $$$"""{"metadata":{"name":"{{{name}}}"},"spec":{{{spec}}}}""", dryRun);

    private static string Ip(JsonObject svc) => svc.Obj("spec").Str("clusterIP")!;

    private static long NodePort(JsonObject svc, int i = 0) => svc.Obj("spec")!.Arr("ports")![i]!.AsObject().Long("nodePort") ?? 0;

    [Fact]
    public async Task Create_FiftyConcurrently_GetsDistinctIpsInRange()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => Create($"s{i}"))));

        var ips = created.Select(Ip).ToList();
        Assert.Equal(50, ips.Distinct().Count());
        var cidr = IPNetwork.Parse("10.96.0.0/12");
        Assert.All(ips, ip => Assert.True(cidr.Contains(IPAddress.Parse(ip))));
        Assert.All(created, s => Assert.Equal(Ip(s), s.Obj("spec")!.Arr("clusterIPs")![0]!.GetValue<string>()));
        Assert.Equal(50, f.Services.Ips.Used);
    }

    [Fact]
    public async Task Create_FiftyConcurrentNodePorts_GetsDistinctPortsInRange()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => Create($"n{i}", """{"type":"NodePort","ports":[{"port":80}]}"""))));

        var ports = created.Select(s => NodePort(s)).ToList();
        Assert.Equal(50, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 30000, 32767));
    }

    [Fact]
    public async Task Create_RequestedIp_IsHonoured()
    {
        var svc = await Create("web", """{"clusterIP":"10.96.0.50","ports":[{"port":80}]}""");

        Assert.Equal("10.96.0.50", Ip(svc));
        Assert.True(f.Services.Ips.IsAllocated(IPAddress.Parse("10.96.0.50")));
    }

    [Fact]
    public async Task Create_RequestedIpTaken_ReportsAlreadyAllocated()
    {
        await Create("a", """{"clusterIP":"10.96.0.50","ports":[{"port":80}]}""");

        var e = await Assert.ThrowsAsync<ApiException>(() => Create("b", """{"clusterIP":"10.96.0.50","ports":[{"port":80}]}"""));

        Assert.Equal(422, e.Code);
        Assert.Equal("Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.50\"}: failed to allocate IP 10.96.0.50: provided IP is already allocated", e.Message);
    }

    [Fact]
    public async Task Create_RequestedIpOutsideRange_ReportsValidRange()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Create("b", """{"clusterIP":"1.1.1.1","ports":[{"port":80}]}"""));

        Assert.Equal("Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"1.1.1.1\"}: failed to allocate IP 1.1.1.1: "
            + "the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12", e.Message);
    }

    [Fact]
    public async Task Create_RequestedNodePortTaken_ReportsAlreadyAllocated()
    {
        await Create("a", """{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}""");

        var e = await Assert.ThrowsAsync<ApiException>(() => Create("b", """{"type":"NodePort","ports":[{"port":80,"nodePort":30080}]}"""));

        Assert.Equal("Service \"b\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated", e.Message);
        // The failed create gave its cluster IP back.
        Assert.Equal(1, f.Services.Ips.Used);
    }

    [Fact]
    public async Task Create_RequestedNodePortOutsideRange_ReportsValidRange()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Create("b", """{"type":"NodePort","ports":[{"port":80,"nodePort":8080}]}"""));

        Assert.Equal("Service \"b\" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767", e.Message);
    }

    [Fact]
    public async Task Create_SameNodePortForTcpAndUdp_IsAllowed()
    {
        var svc = await Create("dns", """{"type":"NodePort","ports":[{"name":"tcp","port":53,"nodePort":30053},{"name":"udp","port":53,"protocol":"UDP","nodePort":30053}]}""");

        Assert.Equal(30053, NodePort(svc, 1));
    }

    [Fact]
    public async Task Create_Headless_AllocatesNothing()
    {
        var svc = await Create("db", """{"clusterIP":"None","selector":{"app":"db"},"ports":[{"port":5432}]}""");

        Assert.Equal("None", Ip(svc));
        Assert.Equal("""["None"]""", svc.Obj("spec")!["clusterIPs"]!.ToJsonString());
        Assert.Equal("SingleStack", svc.Obj("spec").Str("ipFamilyPolicy"));
        Assert.Equal(0, f.Services.Ips.Used);
    }

    [Fact]
    public async Task Create_HeadlessWithoutSelector_DefaultsRequireDualStack()
    {
        var svc = await Create("ext", """{"clusterIP":"None","ports":[{"port":80}]}""");

        Assert.Equal("RequireDualStack", svc.Obj("spec").Str("ipFamilyPolicy"));
    }

    [Fact]
    public async Task Create_ExternalName_AllocatesNothing()
    {
        var svc = await Create("ext", """{"type":"ExternalName","externalName":"example.com"}""");

        Assert.Null(svc.Obj("spec")!["clusterIP"]);
        Assert.Equal(0, f.Services.Ips.Used);
    }

    [Fact]
    public async Task Create_DryRun_ShowsIpButKeepsNothing()
    {
        var svc = await Create("web", """{"type":"NodePort","ports":[{"port":80}]}""", dryRun: true);

        Assert.NotNull(Ip(svc));
        Assert.NotEqual(0, NodePort(svc));
        Assert.Equal(0, f.Services.Ips.Used);
        Assert.Equal(0, f.Services.NodePorts.Used);
    }

    [Fact]
    public async Task Create_DryRunOfTakenIp_StillReportsConflict()
    {
        await Create("a", """{"clusterIP":"10.96.0.50","ports":[{"port":80}]}""");

        await Assert.ThrowsAsync<ApiException>(() => Create("b", """{"clusterIP":"10.96.0.50","ports":[{"port":80}]}""", dryRun: true));
    }

    [Fact]
    public async Task Create_ExistingName_ReleasesWhatItTook()
    {
        await Create("web");

        await Assert.ThrowsAsync<ApiException>(() => Create("web", """{"type":"NodePort","ports":[{"port":80,"nodePort":30100}]}"""));

        Assert.Equal(1, f.Services.Ips.Used);
        Assert.False(f.Services.NodePorts.IsAllocated(30100));
    }

    [Fact]
    public async Task Delete_ReleasesIpAndPorts_ForReuse()
    {
        var svc = await Create("a", """{"clusterIP":"10.96.0.50","type":"NodePort","ports":[{"port":80,"nodePort":30080}]}""");

        await f.Store("", "services").DeleteAsync("default", "a", new DeleteOptions(), Ct);
        var again = await Create("b", """{"clusterIP":"10.96.0.50","type":"NodePort","ports":[{"port":80,"nodePort":30080}]}""");

        Assert.Equal("10.96.0.50", Ip(again));
        Assert.Equal(30080, NodePort(again));
        Assert.Equal(Ip(svc), Ip(again));
    }

    [Fact]
    public async Task Update_ClusterIpToNodePort_AllocatesPort()
    {
        await Create("web");

        var updated = await f.UpdateAsync("", "services", "web", s => { s.Obj("spec")!["type"] = "NodePort"; return s; });

        Assert.InRange(NodePort(updated), 30000, 32767);
        Assert.True(f.Services.NodePorts.IsAllocated((int)NodePort(updated)));
        Assert.Equal("Cluster", updated.Obj("spec").Str("externalTrafficPolicy"));
    }

    [Fact]
    public async Task Update_NodePortToClusterIp_ReleasesPort()
    {
        var svc = await Create("web", """{"type":"NodePort","ports":[{"port":80}]}""");
        var port = (int)NodePort(svc);

        var updated = await f.UpdateAsync("", "services", "web", s => { s.Obj("spec")!["type"] = "ClusterIP"; return s; });

        Assert.Equal(0, NodePort(updated));
        Assert.Null(updated.Obj("spec")!["externalTrafficPolicy"]);
        Assert.False(f.Services.NodePorts.IsAllocated(port));
    }

    [Fact]
    public async Task Update_ToExternalName_ReleasesIp()
    {
        var svc = await Create("web");

        var updated = await f.UpdateAsync("", "services", "web", s =>
        {
            s.Obj("spec")!["type"] = "ExternalName";
            s.Obj("spec")!["externalName"] = "example.com";
            return s;
        });

        Assert.Null(updated.Obj("spec")!["clusterIP"]);
        Assert.False(f.Services.Ips.IsAllocated(IPAddress.Parse(Ip(svc))));
    }

    [Fact]
    public async Task Update_DryRunToNodePort_KeepsNothing()
    {
        await Create("web");

        var updated = await f.UpdateAsync("", "services", "web", s => { s.Obj("spec")!["type"] = "NodePort"; return s; }, dryRun: true);

        Assert.NotEqual(0, NodePort(updated));
        Assert.Equal(0, f.Services.NodePorts.Used);
    }

    [Fact]
    public async Task Restart_RebuildsAllocationsFromStoredServices()
    {
        var storage = new MemoryStore();
        var first = await StartAsync(storage);
        var svc = await first.CreateAsync("", "services", """{"metadata":{"name":"web"},"spec":{"type":"NodePort","ports":[{"port":80}]}}""");

        var second = await StartAsync(storage);

        Assert.True(second.Services.Ips.IsAllocated(IPAddress.Parse(Ip(svc))));
        Assert.True(second.Services.NodePorts.IsAllocated((int)NodePort(svc)));
        var e = await Assert.ThrowsAsync<ApiException>(() => second.CreateAsync("", "services",
            $$$"""{"metadata":{"name":"b"},"spec":{"clusterIP":"{{{Ip(svc)}}}","ports":[{"port":80}]}}"""));
        Assert.Contains("provided IP is already allocated", e.Message);
        await storage.DisposeAsync();
    }

    [Fact]
    public async Task ClusterIpRange_Exhausted_ReturnsNull()
    {
        var range = new ClusterIpRange(IPNetwork.Parse("10.0.0.0/29"));   // .1 to .6 usable

        var taken = new List<IPAddress?>();
        for (var i = 0; i < 6; i++) taken.Add(await range.AllocateNextAsync(dryRun: false, Ct));

        Assert.All(taken, Assert.NotNull);
        Assert.Equal(6, taken.Distinct().Count());
        Assert.Null(await range.AllocateNextAsync(dryRun: false, Ct));
        Assert.Equal("10.0.0.1", range.FirstAddress.ToString());
        Assert.NotNull(await range.AllocateAsync(IPAddress.Parse("10.0.0.7"), dryRun: false, Ct));   // broadcast
        Assert.NotNull(await range.AllocateAsync(IPAddress.Parse("10.0.0.0"), dryRun: false, Ct));   // network
    }

    [Fact]
    public async Task ClusterIpRange_AutomaticAllocation_AvoidsStaticBandWhileItCan()
    {
        var range = new ClusterIpRange(IPNetwork.Parse("10.96.0.0/24"));   // 254 usable, static band of 16

        var ips = new List<IPAddress>();
        for (var i = 0; i < 200; i++) ips.Add((await range.AllocateNextAsync(dryRun: false, Ct))!);

        Assert.All(ips, ip => Assert.True(ip.GetAddressBytes()[3] > 16));
    }

    [Fact]
    public async Task ClusterIpRange_Ipv6_AllocatesFromPrefix()
    {
        var range = new ClusterIpRange(IPNetwork.Parse("fd00:10:96::/108"));

        var ip = (await range.AllocateNextAsync(dryRun: false, Ct))!;

        Assert.Equal("IPv6", range.Family);
        Assert.True(IPNetwork.Parse("fd00:10:96::/108").Contains(ip));
    }

    [Fact]
    public async Task Create_TwentyConcurrentForSameIp_OnlyOneWins()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await Create($"s{i}", """{"clusterIP":"10.96.0.77","type":"NodePort","ports":[{"port":80,"nodePort":30077}]}""");
                return true;
            }
            catch (ApiException e) when (e.Code == 422)
            {
                return false;
            }
        })));

        Assert.Single(attempts, won => won);
        Assert.Equal(1, f.Services.Ips.Used);
        Assert.Equal(1, f.Services.NodePorts.Used);
    }

    [Fact]
    public async Task Create_RangeFull_IsInternalError()
    {
        await using var storage = new MemoryStore();
        var small = await StartAsync(storage, "10.0.0.0/30");   // two usable addresses
        await small.CreateAsync("", "services", """{"metadata":{"name":"a"},"spec":{"ports":[{"port":80}]}}""");
        await small.CreateAsync("", "services", """{"metadata":{"name":"b"},"spec":{"ports":[{"port":80}]}}""");

        var e = await Assert.ThrowsAsync<ApiException>(() =>
            small.CreateAsync("", "services", """{"metadata":{"name":"c"},"spec":{"ports":[{"port":80}]}}"""));

        Assert.Equal(500, e.Code);
        Assert.Equal("Internal error occurred: failed to allocate a serviceIP: range is full", e.Message);
    }

    [Fact]
    public async Task CreateAndDelete_Interleaved_NeverHandsOutAnIpTwice()
    {
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            await Create($"s{i}");
            if (i % 2 == 0) await f.Store("", "services").DeleteAsync("default", $"s{i}", new DeleteOptions(), Ct);
        })));

        var live = await f.Store("", "services").ListAsync("default", new ListOptions(), Ct);
        var ips = live.Items.Select(Ip).ToList();
        Assert.Equal(20, ips.Count);
        Assert.Equal(20, ips.Distinct().Count());
        Assert.Equal(20, f.Services.Ips.Used);
    }
}
