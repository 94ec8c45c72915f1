using Bosun.ApiServer.Bootstrap;
using Bosun.Storage;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.ApiServer.Tests.Bootstrap;

public sealed class CompactorTests
{
    [Fact]
    public void Target_ByTime_IsTheRevisionSeenOneTickAgo()
    {
        var policy = new CompactionPolicy();

        Assert.Equal(40, policy.Target(previousTick: 40, current: 90, compacted: 10));
        Assert.Equal(0, policy.Target(previousTick: 10, current: 90, compacted: 10));
    }

    [Fact]
    public void Target_ByRevisionCount_KeepsThatManyBehindCurrent()
    {
        var policy = new CompactionPolicy { RetainRevisions = 100 };

        Assert.Equal(900, policy.Target(previousTick: 5, current: 1000, compacted: 0));
        Assert.Equal(0, policy.Target(previousTick: 5, current: 90, compacted: 0));
    }

    [Fact]
    public void Steps_LargeBacklog_GoesInBatchSizedStepsEndingAtTarget()
    {
        var policy = new CompactionPolicy { BatchRevisions = 1000 };

        Assert.Equal([1010L, 2010, 2500], policy.Steps(10, 2500));
        Assert.Equal([2500L], policy.Steps(2000, 2500));
        Assert.Empty(policy.Steps(2500, 2500));
    }

    [Fact]
    public async Task Run_EachTick_CompactsToTheRevisionOfThePreviousTickInBatches()
    {
        var time = new FakeTimeProvider();
        await using var storage = new CountingStore();
        for (var i = 0; i < 25; i++)
            await storage.CreateAsync($"/k/{i}", new byte[] { 1 }, default);
        var compactor = new Compactor(storage, new CompactionPolicy { Interval = TimeSpan.FromMinutes(5), BatchRevisions = 10 }, time, NullLogger<Compactor>.Instance);
        using var stop = new CancellationTokenSource();
        var running = compactor.RunAsync(stop.Token);
        await WaitUntilAsync(() => storage.ReadsOfRevision == 1);   // revision 26 seen at start

        await storage.CreateAsync("/k/late", new byte[] { 1 }, default);   // revision 27
        time.Advance(TimeSpan.FromMinutes(5));
        await WaitUntilAsync(() => storage.CompactedRevision == 26);
        time.Advance(TimeSpan.FromMinutes(5));
        await WaitUntilAsync(() => storage.CompactedRevision == 27);

        // Tick 1 forgets what is older than the start (in steps of 10), tick 2 what is older than tick 1.
        Assert.Equal([10L, 20, 26, 27], storage.Compactions);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
            await Task.Delay(10);
        Assert.True(condition());
    }

    /// <summary>A memory store that records its compactions and counts revision reads (the compactor's tick marker).</summary>
    private sealed class CountingStore : IKeyValueStore
    {
        private readonly MemoryStore _inner = new();
        private int _reads;

        public List<long> Compactions { get; } = [];
        public int ReadsOfRevision => Volatile.Read(ref _reads);
        public long CompactedRevision => _inner.CompactedRevision;

        public async Task<long> CurrentRevisionAsync(CancellationToken ct)
        {
            var revision = await _inner.CurrentRevisionAsync(ct);
            Interlocked.Increment(ref _reads);
            return revision;
        }

        public Task<KeyValue?> GetAsync(string key, CancellationToken ct) => _inner.GetAsync(key, ct);
        public Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct) => _inner.RangeAsync(request, ct);
        public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct) => _inner.CreateAsync(key, value, ct);
        public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expected, CancellationToken ct) => _inner.UpdateAsync(key, value, expected, ct);
        public Task<WriteResult> DeleteAsync(string key, long expected, CancellationToken ct) => _inner.DeleteAsync(key, expected, ct);
        public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long after, CancellationToken ct) => _inner.WatchAsync(prefix, after, ct);

        public Task CompactAsync(long revision, CancellationToken ct)
        {
            lock (Compactions)
                Compactions.Add(revision);
            return _inner.CompactAsync(revision, ct);
        }

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
