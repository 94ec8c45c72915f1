using System.Text.Json.Nodes;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.ApiServer.Watch;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.ApiServer.Tests.Watch;

public sealed class WatchCacheTests : IAsyncLifetime
{
    private readonly MemoryStore storage = new();
    private ResourceCatalog catalog = null!;
    private WatchCache cache = null!;
    private static readonly CancellationToken Ct = CancellationToken.None;

    public async Task InitializeAsync()
    {
        catalog = new ResourceCatalog(BuiltInKinds.Create(), storage, TimeProvider.System);
        cache = new WatchCache(storage, NullLogger<WatchCache>.Instance, historySize: 16);
        await cache.StartAsync(Ct);
        await catalog.Get("", "v1", "namespaces").CreateAsync(null, Obj("""{"metadata":{"name":"default"}}"""), new WriteOptions(), Ct);
    }

    public async Task DisposeAsync()
    {
        await cache.DisposeAsync();
        await storage.DisposeAsync();
    }

    private GenericStore ConfigMaps => catalog.Get("", "v1", "configmaps");

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject ConfigMap(string name, string app) =>
        new() { ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = app } } };

    private static async Task<List<WatchItem>> TakeAsync(WatchSubscription sub, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var items = new List<WatchItem>();
        while (items.Count < count) items.Add(await sub.Reader.ReadAsync(timeout.Token));
        return items;
    }

    [Fact]
    public void Subscription_DropsChangesUpToItsStartingRevision_EvenWhenDispatchedAfterSubscribing()
    {
        // The cache can lag the revision a client listed at; those changes arrive after the subscription and are not news.
        using var sub = new WatchSubscription(ConfigMaps.Registration, "/registry/configmaps/", ObjectFilter.Everything, 10, fromRevision: 10);
        foreach (var revision in new long[] { 9, 10, 11 })
            sub.Offer(new CachedEvent(new Bosun.Storage.WatchEvent(Bosun.Storage.WatchEventType.Put,
                new Bosun.Storage.KeyValue("/registry/configmaps/default/a", System.Text.Encoding.UTF8.GetBytes("""{"metadata":{"name":"a","namespace":"default"}}"""), 9, revision), null)));

        Assert.True(sub.Reader.TryRead(out var item));
        Assert.Equal(11, item.Revision);
        Assert.False(sub.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Follow_DeliversOnlyInterestingKeys_AfterTheRevision_AsStored()
    {
        await ConfigMaps.CreateAsync("default", ConfigMap("before", "x"), new WriteOptions(), Ct);
        var start = await storage.CurrentRevisionAsync(Ct);
        using var feed = cache.Follow(k => k.EndsWith("/wanted", StringComparison.Ordinal), start)!;

        await ConfigMaps.CreateAsync("default", ConfigMap("other", "x"), new WriteOptions(), Ct);
        await ConfigMaps.CreateAsync("default", ConfigMap("wanted", "x"), new WriteOptions(), Ct);
        await ConfigMaps.DeleteAsync("default", "wanted", new DeleteOptions(), Ct);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var created = await feed.Reader.ReadAsync(timeout.Token);
        var deleted = await feed.Reader.ReadAsync(timeout.Token);
        Assert.Equal("/registry/configmaps/default/wanted", created.Kv.Key);
        Assert.True(created.IsCreate);
        Assert.Equal(Bosun.Storage.WatchEventType.Delete, deleted.Type);
        Assert.False(feed.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Follow_FromARevisionOlderThanTheHistory_IsNull()
    {
        var start = await storage.CurrentRevisionAsync(Ct);
        for (var i = 0; i < 20; i++) await ConfigMaps.CreateAsync("default", ConfigMap("c" + i, "x"), new WriteOptions(), Ct);
        await WaitForAsync(() => cache.LatestRevision >= start + 20);

        Assert.Null(cache.Follow(_ => true, start));
        using var recent = cache.Follow(_ => true, cache.LatestRevision);
        Assert.NotNull(recent);
    }

    [Fact]
    public async Task Subscribe_SeesAddedModifiedDeleted_InRevisionOrder()
    {
        var start = await storage.CurrentRevisionAsync(Ct);
        using var sub = cache.Subscribe(ConfigMaps.Registration, "/registry/configmaps/default/", ObjectFilter.Everything, start)!;

        await ConfigMaps.CreateAsync("default", ConfigMap("a", "x"), new WriteOptions(), Ct);
        await ConfigMaps.UpdateAsync("default", "a", UpdateKind.Main, o => { o["data"] = Obj("""{"k":"v"}"""); return o; }, new WriteOptions(), Ct);
        await ConfigMaps.DeleteAsync("default", "a", new DeleteOptions(), Ct);

        var items = await TakeAsync(sub, 3);
        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], items.Select(i => i.Type));
        Assert.True(items[0].Revision < items[1].Revision && items[1].Revision < items[2].Revision);
    }

    [Fact]
    public async Task Subscribe_WithSelector_ObjectThatStopsMatching_IsDeletedForThatWatcher()
    {
        var start = await storage.CurrentRevisionAsync(Ct);
        var filter = SelectorFilter.Build(ConfigMaps.Registration, "app=x", null);
        using var sub = cache.Subscribe(ConfigMaps.Registration, "/registry/configmaps/", filter, start)!;

        await ConfigMaps.CreateAsync("default", ConfigMap("a", "x"), new WriteOptions(), Ct);
        await ConfigMaps.UpdateAsync("default", "a", UpdateKind.Main, o => { o.Obj("metadata")!.Obj("labels")!["app"] = "y"; return o; }, new WriteOptions(), Ct);
        await ConfigMaps.UpdateAsync("default", "a", UpdateKind.Main, o => { o.Obj("metadata")!.Obj("labels")!["app"] = "x"; return o; }, new WriteOptions(), Ct);

        Assert.Equal(["ADDED", "DELETED", "ADDED"], (await TakeAsync(sub, 3)).Select(i => i.Type));
    }

    [Fact]
    public async Task Subscribe_FromRecentRevision_ReplaysHistory_TooOldReturnsNull()
    {
        var first = await ConfigMaps.CreateAsync("default", ConfigMap("a", "x"), new WriteOptions(), Ct);
        var rv = long.Parse(first.Obj("metadata").Str("resourceVersion")!);
        await ConfigMaps.CreateAsync("default", ConfigMap("b", "x"), new WriteOptions(), Ct);
        await WaitForAsync(() => cache.LatestRevision >= rv + 1);

        using var resumed = cache.Subscribe(ConfigMaps.Registration, "/registry/configmaps/", ObjectFilter.Everything, rv)!;
        Assert.Equal("ADDED", Assert.Single(await TakeAsync(resumed, 1)).Type);

        for (var i = 0; i < 20; i++) await ConfigMaps.CreateAsync("default", ConfigMap($"c{i}", "x"), new WriteOptions(), Ct);
        var latest = await storage.CurrentRevisionAsync(Ct);
        await WaitForAsync(() => cache.LatestRevision >= latest);
        Assert.Null(cache.Subscribe(ConfigMaps.Registration, "/registry/configmaps/", ObjectFilter.Everything, rv));
    }

    [Fact]
    public async Task Subscribe_SlowWatcher_IsDroppedWithoutBlockingOthers()
    {
        var start = await storage.CurrentRevisionAsync(Ct);
        using var slow = cache.Subscribe(ConfigMaps.Registration, "/registry/configmaps/", ObjectFilter.Everything, start, capacity: 2)!;
        using var fast = cache.Subscribe(ConfigMaps.Registration, "/registry/configmaps/", ObjectFilter.Everything, start)!;

        for (var i = 0; i < 10; i++) await ConfigMaps.CreateAsync("default", ConfigMap($"c{i}", "x"), new WriteOptions(), Ct);

        Assert.Equal(10, (await TakeAsync(fast, 10)).Count);
        Assert.True(slow.Dropped);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException();
            await Task.Delay(5);
        }
    }
}
