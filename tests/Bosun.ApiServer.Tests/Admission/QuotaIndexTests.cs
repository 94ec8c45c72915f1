using System.Text.Json.Nodes;
using Bosun.ApiServer.Admission;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.ApiServer.Watch;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.ApiServer.Tests.Admission;

public sealed class QuotaIndexTests : IAsyncLifetime
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly MemoryStore storage = new();
    private readonly FakeTimeProvider time = new();
    private readonly CancellationTokenSource stop = new();
    private ResourceCatalog catalog = null!;
    private WatchCache cache = null!;
    private QuotaIndex index = null!;
    private Task follow = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        catalog = new ResourceCatalog(BuiltInKinds.Create(), storage, TimeProvider.System);
        cache = new WatchCache(storage, NullLogger<WatchCache>.Instance);
        await cache.StartAsync(Ct);
        foreach (var ns in (string[])["a", "b"])
            await catalog.Get("", "v1", "namespaces").CreateAsync(null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, new WriteOptions(), Ct);
        index = new QuotaIndex(storage, Quotas.Registration, time);
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await follow.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await cache.DisposeAsync();
        await storage.DisposeAsync();
        stop.Dispose();
    }

    private GenericStore Quotas => catalog.Get("", "v1", "resourcequotas");

    private Task CreateQuotaAsync(string ns, string name) =>
        Quotas.CreateAsync(ns, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["hard"] = new JsonObject { ["pods"] = "1" } },
        }, new WriteOptions(), Ct);

    private async Task StartFollowingAsync()
    {
        follow = Task.Run(() => index.FollowAsync(cache, stop.Token));
        await EventuallyAsync(() => !index.MayHaveQuotas("b"));
    }

    /// <summary>The index follows the watch cache on its own task; wait (bounded) for it to reach a state.</summary>
    private static async Task EventuallyAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition()) await Task.Delay(5, timeout.Token);
    }

    [Fact]
    public void MayHaveQuotas_BeforeTheFirstList_IsTrue()
    {
        Assert.True(index.MayHaveQuotas("a"));
    }

    [Fact]
    public async Task MayHaveQuotas_FollowsQuotaCreatesAndDeletes_PerNamespace()
    {
        await CreateQuotaAsync("a", "listed");
        await StartFollowingAsync();
        Assert.True(index.MayHaveQuotas("a"));
        Assert.False(index.MayHaveQuotas("b"));

        await CreateQuotaAsync("b", "watched");
        await EventuallyAsync(() => index.MayHaveQuotas("b"));
        await Quotas.DeleteAsync("b", "watched", new DeleteOptions(), Ct);
        await EventuallyAsync(() => !index.MayHaveQuotas("b"));
        Assert.True(index.MayHaveQuotas("a"));
    }

    [Fact]
    public async Task Expect_AnswersMaybe_UntilTheTtlPasses_EvenBeforeTheWatchDeliversTheQuota()
    {
        await StartFollowingAsync();
        index.Expect("b");
        Assert.True(index.MayHaveQuotas("b"));
        Assert.False(index.MayHaveQuotas("a"));

        time.Advance(QuotaIndex.PendingTtl);
        Assert.False(index.MayHaveQuotas("b"));
    }
}
