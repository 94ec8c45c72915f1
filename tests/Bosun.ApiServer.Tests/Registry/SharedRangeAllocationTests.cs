using System.Net;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Allocation;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using static Bosun.ApiServer.Tests.Registry.StoreFixture;

namespace Bosun.ApiServer.Tests.Registry;

/// <summary>
/// Two API server registries (each with its own allocator, as two <c>bosun server</c> processes have) on one shared
/// store: the RangeAllocation bitmaps in the store keep their cluster IPs and node ports apart.
/// </summary>
public sealed class SharedRangeAllocationTests : IAsyncLifetime
{
    private readonly MemoryStore storage = new();
    private StoreFixture a = null!;
    private StoreFixture b = null!;

    public async Task InitializeAsync()
    {
        a = await StartAsync(storage);
        b = await StartAsync(storage);
    }

    public async Task DisposeAsync() => await storage.DisposeAsync();

    private static Task<JsonObject> Create(StoreFixture server, string name, string spec = """{"ports":[{"port":80}]}""") =>
        server.CreateAsync("", "services", $$$"""{"metadata":{"name":"{{{name}}}"},"spec":{{{spec}}}}""");

    private static string Ip(JsonObject svc) => svc.Obj("spec").Str("clusterIP")!;

    private static long NodePort(JsonObject svc) => svc.Obj("spec")!.Arr("ports")![0]!.AsObject().Long("nodePort") ?? 0;

    [Fact]
    public async Task TwoServers_Creating200ServicesConcurrently_NeverHandOutTheSameIpOrNodePort()
    {
        var created = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() =>
            Create(i % 2 == 0 ? a : b, $"s{i}", """{"type":"NodePort","ports":[{"port":80}]}"""))));

        Assert.Equal(200, created.Select(Ip).Distinct().Count());
        Assert.Equal(200, created.Select(NodePort).Distinct().Count());
        var stored = await storage.GetAsync(ClusterIpRange.StorageKey, Ct);
        Assert.NotNull(stored);
        var bitmap = new OffsetBitmap(a.Services.Ips.Bitmap.Size, 0);
        Assert.Equal("10.96.0.0/12", RangeAllocationCodec.Decode(stored.Value, bitmap));
        Assert.Equal(200, bitmap.Count);
    }

    [Fact]
    public async Task IpTakenThroughOneServer_IsRefusedThroughTheOther()
    {
        await Create(a, "first", """{"clusterIP":"10.96.0.40","ports":[{"port":80}]}""");

        var e = await Assert.ThrowsAsync<ApiException>(() => Create(b, "second", """{"clusterIP":"10.96.0.40","ports":[{"port":80}]}"""));

        Assert.Equal(422, e.Code);
        Assert.Contains("provided IP is already allocated", e.Message);
    }

    [Fact]
    public async Task ServiceCreatedThroughOneServer_DeletedThroughTheOther_FreesItsIpForBoth()
    {
        await Create(a, "first", """{"clusterIP":"10.96.0.41","type":"NodePort","ports":[{"port":80,"nodePort":30041}]}""");

        await b.Store("", "services").DeleteAsync("default", "first", new DeleteOptions(), Ct);

        // Server A's mirror still has them taken; the refusal is checked again against the stored bitmap.
        var again = await Create(a, "again", """{"clusterIP":"10.96.0.41","type":"NodePort","ports":[{"port":80,"nodePort":30041}]}""");
        Assert.Equal("10.96.0.41", Ip(again));
    }

    [Fact]
    public async Task Repair_FreesAnIpNoServiceHolds_OnlyAfterThreeRuns()
    {
        var leaked = IPAddress.Parse("10.96.0.99");
        Assert.Null(await a.Services.Ips.AllocateAsync(leaked, dryRun: false, Ct));   // taken, but no Service was written
        var repair = new ServiceRangeRepair(a.Services, a.Store("", "services").ReadAllStoredAsync, NullLogger.Instance);

        for (var run = 1; run < ServiceRangeRepair.LeakRuns; run++)
        {
            Assert.Equal((0, 0), await repair.RunOnceAsync(Ct));
            Assert.NotNull(await b.Services.Ips.AllocateAsync(leaked, dryRun: true, Ct));
        }
        Assert.Equal((0, 1), await repair.RunOnceAsync(Ct));

        Assert.Null(await b.Services.Ips.AllocateAsync(leaked, dryRun: false, Ct));
    }

    [Fact]
    public async Task Repair_KeepsAnIpWhoseServiceAppearsBeforeTheThirdRun()
    {
        var repair = new ServiceRangeRepair(a.Services, a.Store("", "services").ReadAllStoredAsync, NullLogger.Instance);
        Assert.Null(await a.Services.Ips.AllocateAsync(IPAddress.Parse("10.96.0.98"), dryRun: false, Ct));
        await repair.RunOnceAsync(Ct);

        // The allocation was an in-flight create: its Service is written before the next runs.
        var reg = a.Store("", "services").Registration;
        var late = Obj("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"late","namespace":"default"},"spec":{"clusterIP":"10.96.0.98","ports":[{"port":80}]}}""");
        await storage.CreateAsync(reg.Key("default", "late"), ObjectCodec.Encode(reg, late), Ct);
        for (var run = 0; run < ServiceRangeRepair.LeakRuns; run++) await repair.RunOnceAsync(Ct);

        Assert.NotNull(await b.Services.Ips.AllocateAsync(IPAddress.Parse("10.96.0.98"), dryRun: true, Ct));
    }

    [Fact]
    public async Task Repair_MarksIpsOfServicesTheBitmapLost()
    {
        var svc = await Create(a, "web", """{"type":"NodePort","ports":[{"port":80}]}""");
        await storage.DeleteAsync(ClusterIpRange.StorageKey, 0, Ct);   // e.g. a restored backup without the range key
        await storage.DeleteAsync(NodePortRange.StorageKey, 0, Ct);
        var repair = new ServiceRangeRepair(b.Services, b.Store("", "services").ReadAllStoredAsync, NullLogger.Instance);

        Assert.Equal((2, 0), await repair.RunOnceAsync(Ct));

        var e = await Assert.ThrowsAsync<ApiException>(() => Create(a, "copy", $$$"""{"clusterIP":"{{{Ip(svc)}}}","ports":[{"port":80}]}"""));
        Assert.Contains("provided IP is already allocated", e.Message);
    }
}
