using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Bosun.ApiServer.Controllers;
using Bosun.ApiServer.Watch;
using Bosun.Storage;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.ApiServer.Tests.Controllers;

public sealed class WatchDrivenTests : IAsyncLifetime
{
    private const string Prefix = "/registry/things/";
    private readonly MemoryStore storage = new();
    private readonly FakeTimeProvider time = new();
    private readonly CancellationTokenSource stop = new();
    private WatchCache cache = null!;

    /// <summary>Reconciles <c>/registry/things/NAME</c> by NAME; a value that is not JSON cannot be read.</summary>
    private sealed class Things(IKeyValueStore storage) : IWatchedController
    {
        public Channel<string> Reconciled { get; } = Channel.CreateUnbounded<string>();

        public bool Interested(string storageKey) => storageKey.StartsWith(Prefix, StringComparison.Ordinal);

        public async Task<long> ListAsync(Action<string> enqueue, CancellationToken ct)
        {
            var all = await storage.RangeAsync(new RangeRequest(Prefix), ct);
            foreach (var kv in all.Items) enqueue(kv.Key[Prefix.Length..]);
            return all.Revision;
        }

        public IEnumerable<string> KeysOf(WatchEvent change)
        {
            JsonDocument.Parse(change.Kv.Value).Dispose();
            return [change.Kv.Key[Prefix.Length..]];
        }

        public Task ReconcileAsync(string key, CancellationToken ct)
        {
            Reconciled.Writer.TryWrite(key);
            return Task.CompletedTask;
        }
    }

    public async Task InitializeAsync()
    {
        cache = new WatchCache(storage, NullLogger<WatchCache>.Instance);
        await cache.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await cache.DisposeAsync();
        await storage.DisposeAsync();
        stop.Dispose();
    }

    private Task PutAsync(string name, string value) => storage.CreateAsync(Prefix + name, Encoding.UTF8.GetBytes(value), CancellationToken.None);

    private static async Task<string> NextAsync(Things things)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await things.Reconciled.Reader.ReadAsync(timeout.Token);
    }

    private (Things Things, Task Run) Start()
    {
        var things = new Things(storage);
        return (things, WatchDriven.RunAsync(things, cache, resync: null, time, NullLogger.Instance, stop.Token));
    }

    [Fact]
    public async Task ListedKeys_AreReconciled_ThenEachLaterChange()
    {
        await PutAsync("a", "{}");
        var (things, _) = Start();
        Assert.Equal("a", await NextAsync(things));

        await PutAsync("b", "{}");
        await storage.CreateAsync("/registry/other/c", "{}"u8.ToArray(), CancellationToken.None);
        await PutAsync("d", "{}");

        Assert.Equal("b", await NextAsync(things));
        Assert.Equal("d", await NextAsync(things));
    }

    [Fact]
    public async Task UnreadableChange_IsSkipped_AndTheControllerKeepsGoing()
    {
        var (things, _) = Start();
        await PutAsync("bad", "not json");
        await PutAsync("good", "{}");

        Assert.Equal("good", await NextAsync(things));
    }

    [Fact]
    public async Task Resync_QueuesEveryKeyAgain_OnlyWhenItsPeriodHasPassed()
    {
        await PutAsync("a", "{}");
        var things = new Things(storage);
        _ = WatchDriven.RunAsync(things, cache, TimeSpan.FromMinutes(5), time, NullLogger.Instance, stop.Token);
        Assert.Equal("a", await NextAsync(things));
        Assert.False(things.Reconciled.Reader.TryRead(out _));

        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("a", await NextAsync(things));
    }
}
