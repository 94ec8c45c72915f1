using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Allocation;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.Storage.Memory;

namespace Bosun.ApiServer.Tests.Registry;

/// <summary>A catalog of every built-in kind over a MemoryStore, with the <c>default</c> namespace, for strategy tests.</summary>
internal sealed class StoreFixture : IAsyncDisposable
{
    public static readonly CancellationToken Ct = CancellationToken.None;

    private StoreFixture(MemoryStore storage, ResourceCatalog catalog, ServiceAllocator services)
    {
        Storage = storage;
        Catalog = catalog;
        Services = services;
    }

    public MemoryStore Storage { get; }
    public ResourceCatalog Catalog { get; }
    public ServiceAllocator Services { get; }

    public static async Task<StoreFixture> StartAsync(MemoryStore? storage = null, string cidr = "10.96.0.0/12")
    {
        storage ??= new MemoryStore();
        var services = new ServiceAllocator(new ClusterIpRange(System.Net.IPNetwork.Parse(cidr), storage), new NodePortRange(storage: storage));
        var catalog = new ResourceCatalog(BuiltInKinds.Create(services), storage, TimeProvider.System);
        try
        {
            await catalog.Get("", "v1", "namespaces").CreateAsync(null, Obj("""{"metadata":{"name":"default"}}"""), new WriteOptions(), Ct);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            // A restarted fixture on the same storage.
        }
        foreach (var store in catalog.All) await store.RestoreAllocationsAsync(Ct);
        return new StoreFixture(storage, catalog, services);
    }

    public GenericStore Store(string group, string resource) => Catalog.All.First(s => s.Registration.Group == group && s.Registration.Resource == resource && s.Registration.Preferred);

    public Task<JsonObject> CreateAsync(string group, string resource, string json, bool dryRun = false) =>
        Store(group, resource).CreateAsync("default", Obj(json), new WriteOptions { DryRun = dryRun }, Ct);

    public Task<JsonObject> UpdateAsync(string group, string resource, string name, Func<JsonObject, JsonObject> change, bool dryRun = false) =>
        Store(group, resource).UpdateAsync("default", name, UpdateKind.Main, change, new WriteOptions { DryRun = dryRun }, Ct);

    public static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
