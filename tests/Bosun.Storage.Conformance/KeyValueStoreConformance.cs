using System.Collections.Concurrent;
using System.Text;

namespace Bosun.Storage.Conformance;

/// <summary>
/// The behaviour every <see cref="IKeyValueStore"/> must have. A backend's test project derives from this class and
/// says how to create (and, if it persists, reopen) a store; every [Fact] here then runs against that backend.
/// </summary>
public abstract class KeyValueStoreConformance : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly List<IKeyValueStore> _stores = [];

    /// <summary>A new, empty store whose watchers are dropped after <paramref name="watchBufferSize"/> unread events.</summary>
    protected abstract Task<IKeyValueStore> CreateStoreAsync(int watchBufferSize);

    /// <summary>Closes <paramref name="store"/> and opens the same data again; null for backends that do not persist.</summary>
    protected virtual Task<IKeyValueStore?> ReopenAsync(IKeyValueStore store) => Task.FromResult<IKeyValueStore?>(null);

    /// <summary>Runs after every store of the test is disposed (e.g. to delete temp files).</summary>
    protected virtual Task CleanupAsync() => Task.CompletedTask;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
            await store.DisposeAsync();
        await CleanupAsync();
    }

    [Fact]
    public async Task CurrentRevision_NewStore_IsOne()
    {
        var store = await NewStoreAsync();

        Assert.Equal(1, await store.CurrentRevisionAsync(None));
        Assert.Equal(0, store.CompactedRevision);
    }

    [Fact]
    public async Task Create_NewKey_IsReadableAtItsRevision()
    {
        var store = await NewStoreAsync();

        var revision = await store.CreateAsync("/a", V("one"), None);

        Assert.Equal(2, revision);
        var kv = await store.GetAsync("/a", None);
        Assert.NotNull(kv);
        Assert.Equal("one", WatchCollector.Text(kv));
        Assert.Equal(revision, kv.CreateRevision);
        Assert.Equal(revision, kv.ModRevision);
        Assert.Equal(revision, await store.CurrentRevisionAsync(None));
    }

    [Fact]
    public async Task Get_MissingKey_ReturnsNull()
    {
        var store = await NewStoreAsync();

        Assert.Null(await store.GetAsync("/missing", None));
    }

    [Fact]
    public async Task Create_ExistingKey_ThrowsExistsAndKeepsValue()
    {
        var store = await NewStoreAsync();
        var revision = await store.CreateAsync("/a", V("one"), None);

        var error = await Assert.ThrowsAsync<StorageException>(() => store.CreateAsync("/a", V("two"), None));

        Assert.Equal(StorageErrorKind.Exists, error.Kind);
        Assert.Equal("one", WatchCollector.Text((await store.GetAsync("/a", None))!));
        Assert.Equal(revision, await store.CurrentRevisionAsync(None));
    }

    [Fact]
    public async Task Create_AfterDelete_StartsNewLife()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync("/a", V("one"), None);
        await store.DeleteAsync("/a", 0, None);

        var revision = await store.CreateAsync("/a", V("again"), None);

        var kv = (await store.GetAsync("/a", None))!;
        Assert.Equal(revision, kv.CreateRevision);
        Assert.Equal("again", WatchCollector.Text(kv));
    }

    [Fact]
    public async Task Update_WithCurrentRevision_SucceedsAndKeepsCreateRevision()
    {
        var store = await NewStoreAsync();
        var created = await store.CreateAsync("/a", V("one"), None);

        var result = await store.UpdateAsync("/a", V("two"), created, None);

        Assert.True(result.Succeeded);
        Assert.Equal(created + 1, result.Revision);
        var kv = (await store.GetAsync("/a", None))!;
        Assert.Equal("two", WatchCollector.Text(kv));
        Assert.Equal(created, kv.CreateRevision);
        Assert.Equal(result.Revision, kv.ModRevision);
        Assert.Equal(Describe(kv), Describe(result.Current!));
    }

    [Fact]
    public async Task Update_WithStaleRevision_FailsAndReturnsCurrent()
    {
        var store = await NewStoreAsync();
        var created = await store.CreateAsync("/a", V("one"), None);
        var winner = await store.UpdateAsync("/a", V("two"), created, None);

        var loser = await store.UpdateAsync("/a", V("three"), created, None);

        Assert.False(loser.Succeeded);
        Assert.NotNull(loser.Current);
        Assert.Equal("two", WatchCollector.Text(loser.Current));
        Assert.Equal(winner.Revision, loser.Current.ModRevision);
        Assert.Equal(winner.Revision, await store.CurrentRevisionAsync(None));
    }

    [Fact]
    public async Task Update_MissingKey_FailsWithNoCurrent()
    {
        var store = await NewStoreAsync();

        var result = await store.UpdateAsync("/missing", V("x"), 1, None);

        Assert.False(result.Succeeded);
        Assert.Null(result.Current);
        Assert.Null(await store.GetAsync("/missing", None));
        Assert.Equal(1, await store.CurrentRevisionAsync(None));
    }

    [Fact]
    public async Task Delete_WithStaleRevision_FailsAndKeepsKey()
    {
        var store = await NewStoreAsync();
        var created = await store.CreateAsync("/a", V("one"), None);
        var updated = await store.UpdateAsync("/a", V("two"), created, None);

        var result = await store.DeleteAsync("/a", created, None);

        Assert.False(result.Succeeded);
        Assert.Equal(updated.Revision, result.Current!.ModRevision);
        Assert.NotNull(await store.GetAsync("/a", None));
    }

    [Fact]
    public async Task Delete_WithMatchingRevision_RemovesKey()
    {
        var store = await NewStoreAsync();
        var created = await store.CreateAsync("/a", V("one"), None);

        var result = await store.DeleteAsync("/a", created, None);

        Assert.True(result.Succeeded);
        Assert.Equal(created + 1, result.Revision);
        Assert.Null(await store.GetAsync("/a", None));
    }

    [Fact]
    public async Task Delete_Unconditional_RemovesKey()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync("/a", V("one"), None);

        var result = await store.DeleteAsync("/a", 0, None);

        Assert.True(result.Succeeded);
        Assert.Null(await store.GetAsync("/a", None));
    }

    [Fact]
    public async Task Delete_MissingKey_FailsWithNoCurrent()
    {
        var store = await NewStoreAsync();

        var result = await store.DeleteAsync("/missing", 0, None);

        Assert.False(result.Succeeded);
        Assert.Null(result.Current);
        Assert.Equal(1, await store.CurrentRevisionAsync(None));
    }

    [Fact]
    public async Task Revisions_AcrossKeysAndVerbs_IncreaseByOneAndSkipFailures()
    {
        var store = await NewStoreAsync();

        var a = await store.CreateAsync("/a", V("1"), None);
        var b = await store.CreateAsync("/b", V("1"), None);
        await store.UpdateAsync("/a", V("x"), 999, None);
        var c = (await store.UpdateAsync("/a", V("2"), a, None)).Revision;
        var d = (await store.DeleteAsync("/b", b, None)).Revision;

        Assert.Equal([2L, 3L, 4L, 5L], [a, b, c, d]);
    }

    [Fact]
    public async Task Range_ByPrefix_ReturnsOnlyMatchingKeysInOrdinalOrder()
    {
        var store = await NewStoreAsync();
        foreach (var key in new[] { "/a/b", "/a/a", "/ab", "/a", "/a/B", "/b/a", "/a/a/x" })
            await store.CreateAsync(key, V(key), None);

        var result = await store.RangeAsync(new RangeRequest("/a/"), None);

        Assert.Equal(["/a/B", "/a/a", "/a/a/x", "/a/b"], result.Items.Select(kv => kv.Key));
        Assert.False(result.More);
        Assert.Equal(0, result.Remaining);
        Assert.Equal(await store.CurrentRevisionAsync(None), result.Revision);
    }

    [Fact]
    public async Task Range_DeletedKey_IsNotListed()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync("/a/1", V("1"), None);
        await store.CreateAsync("/a/2", V("2"), None);
        await store.DeleteAsync("/a/1", 0, None);

        var result = await store.RangeAsync(new RangeRequest("/a/"), None);

        Assert.Equal(["/a/2"], result.Items.Select(kv => kv.Key));
    }

    [Fact]
    public async Task Range_PagedAtPinnedRevision_IgnoresWritesBetweenPages()
    {
        var store = await NewStoreAsync();
        for (var i = 0; i < 10; i++)
            await store.CreateAsync($"/p/{i:D2}", V($"v{i}"), None);
        var expected = (await store.RangeAsync(new RangeRequest("/p/"), None)).Items;

        var first = await store.RangeAsync(new RangeRequest("/p/", Limit: 4), None);
        Assert.True(first.More);
        Assert.Equal(6, first.Remaining);
        await store.CreateAsync("/p/045", V("new"), None);
        await store.UpdateAsync("/p/05", V("changed"), expected[5].ModRevision, None);
        await store.DeleteAsync("/p/08", 0, None);
        var pages = new List<RangeResult> { first };
        while (pages[^1].More)
        {
            var startKey = pages[^1].Items[^1].Key + "\0";
            pages.Add(await store.RangeAsync(new RangeRequest("/p/", startKey, 4, first.Revision), None));
        }

        Assert.Equal(expected.Select(Describe), pages.SelectMany(p => p.Items).Select(Describe));
        Assert.Equal([6L, 2L, 0L], pages.Select(p => p.Remaining));
        Assert.All(pages, p => Assert.Equal(first.Revision, p.Revision));
    }

    [Fact]
    public async Task Range_AtOldRevision_ReturnsValuesAsOfThen()
    {
        var store = await NewStoreAsync();
        var r1 = await store.CreateAsync("/o/a", V("a1"), None);
        var r2 = await store.CreateAsync("/o/b", V("b1"), None);
        var r3 = (await store.UpdateAsync("/o/a", V("a2"), r1, None)).Revision;
        var r4 = (await store.DeleteAsync("/o/b", 0, None)).Revision;

        Assert.Equal(["/o/a=a1"], await SnapshotAsync(store, "/o/", r1));
        Assert.Equal(["/o/a=a1", "/o/b=b1"], await SnapshotAsync(store, "/o/", r2));
        Assert.Equal(["/o/a=a2", "/o/b=b1"], await SnapshotAsync(store, "/o/", r3));
        Assert.Equal(["/o/a=a2"], await SnapshotAsync(store, "/o/", r4));
        Assert.Empty(await SnapshotAsync(store, "/o/", 1));
    }

    [Fact]
    public async Task Compact_OlderRevisions_ThrowCompactedWhileLatestStaysReadable()
    {
        var store = await NewStoreAsync();
        var a = await store.CreateAsync("/c/a", V("a1"), None);
        var b = await store.CreateAsync("/c/b", V("b1"), None);
        var a2 = (await store.UpdateAsync("/c/a", V("a2"), a, None)).Revision;
        await store.DeleteAsync("/c/b", b, None);
        var compactAt = await store.CreateAsync("/c/c", V("c1"), None);
        var after = (await store.UpdateAsync("/c/a", V("a3"), a2, None)).Revision;

        await store.CompactAsync(compactAt, None);

        Assert.Equal(compactAt, store.CompactedRevision);
        var error = await Assert.ThrowsAsync<StorageException>(() => store.RangeAsync(new RangeRequest("/c/", Revision: compactAt - 1), None));
        Assert.Equal(StorageErrorKind.Compacted, error.Kind);
        Assert.Equal(["/c/a=a2", "/c/c=c1"], await SnapshotAsync(store, "/c/", compactAt));
        Assert.Equal(["/c/a=a3", "/c/c=c1"], await SnapshotAsync(store, "/c/", after));
        Assert.Null(await store.GetAsync("/c/b", None));
        Assert.Equal("a3", WatchCollector.Text((await store.GetAsync("/c/a", None))!));
    }

    [Fact]
    public async Task Compact_Repeated_IsIdempotentAndNeverMovesBack()
    {
        var store = await NewStoreAsync();
        var a = await store.CreateAsync("/c/a", V("a1"), None);
        var a2 = (await store.UpdateAsync("/c/a", V("a2"), a, None)).Revision;

        await store.CompactAsync(a2, None);
        await store.CompactAsync(a2, None);
        await store.CompactAsync(a, None);

        Assert.Equal(a2, store.CompactedRevision);
        Assert.Equal(["/c/a=a2"], await SnapshotAsync(store, "/c/", 0));
        var next = await store.UpdateAsync("/c/a", V("a3"), a2, None);
        Assert.True(next.Succeeded);
    }

    [Fact]
    public async Task Compact_DeletedThenRecreatedKey_KeepsOnlyNewLife()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync("/c/a", V("old"), None);
        await store.DeleteAsync("/c/a", 0, None);
        var recreated = await store.CreateAsync("/c/a", V("new"), None);
        var deletedOnly = await store.CreateAsync("/c/b", V("gone"), None);
        var end = (await store.DeleteAsync("/c/b", deletedOnly, None)).Revision;

        await store.CompactAsync(end, None);

        Assert.Equal(["/c/a=new"], await SnapshotAsync(store, "/c/", 0));
        Assert.Equal(recreated, (await store.GetAsync("/c/a", None))!.CreateRevision);
        Assert.Null(await store.GetAsync("/c/b", None));
        Assert.Equal(end + 1, await store.CreateAsync("/c/b", V("back"), None));
    }

    [Fact]
    public async Task Watch_FromRevision_ReplaysHistoryThenLive()
    {
        var store = await NewStoreAsync();
        var r1 = await store.CreateAsync("/w/a", V("a1"), None);
        var r2 = (await store.UpdateAsync("/w/a", V("a2"), r1, None)).Revision;
        var r3 = await store.CreateAsync("/w/b", V("b1"), None);

        await using var watch = store.WatchAsync("/w/", r1, None).GetAsyncEnumerator();
        var history = await WatchCollector.CountAsync(watch, 2);
        var r4 = (await store.DeleteAsync("/w/a", r2, None)).Revision;
        var live = await WatchCollector.CountAsync(watch, 1);

        Assert.Equal([r2, r3], history.Select(e => e.Revision));
        Assert.Equal(WatchEventType.Put, history[0].Type);
        Assert.Equal("a1", WatchCollector.Text(history[0].PrevKv!));
        Assert.True(history[1].IsCreate);
        var delete = Assert.Single(live);
        Assert.Equal(WatchEventType.Delete, delete.Type);
        Assert.Equal(r4, delete.Revision);
        Assert.Equal(r1, delete.Kv.CreateRevision);
        Assert.Equal("a2", WatchCollector.Text(delete.Kv));
        Assert.Equal(r2, delete.PrevKv!.ModRevision);
        Assert.Equal("a2", WatchCollector.Text(delete.PrevKv));
    }

    [Fact]
    public async Task Watch_OnPrefix_SeesOnlyThatPrefix()
    {
        var store = await NewStoreAsync();
        await store.CreateAsync("/x/1", V("1"), None);
        await store.CreateAsync("/y/1", V("1"), None);
        await store.CreateAsync("/xy", V("1"), None);
        var last = await store.CreateAsync("/x/2", V("2"), None);

        var events = await WatchCollector.UntilRevisionAsync(store.WatchAsync("/x/", 1, None), last);

        Assert.Equal(["/x/1", "/x/2"], events.Select(e => e.Kv.Key));
    }

    [Fact]
    public async Task Watch_FromCompactedRevision_ThrowsCompacted()
    {
        var store = await NewStoreAsync();
        var a = await store.CreateAsync("/w/a", V("1"), None);
        var b = (await store.UpdateAsync("/w/a", V("2"), a, None)).Revision;
        await store.CompactAsync(b, None);

        var error = await Assert.ThrowsAsync<StorageException>(async () =>
        {
            await foreach (var _ in store.WatchAsync("/w/", a, None))
                break;
        });

        Assert.Equal(StorageErrorKind.Compacted, error.Kind);
        Assert.Equal(b, error.CompactedRevision);
    }

    [Fact]
    public async Task Watch_FromCompactedRevisionItself_StillWorks()
    {
        var store = await NewStoreAsync();
        var a = await store.CreateAsync("/w/a", V("1"), None);
        var b = (await store.UpdateAsync("/w/a", V("2"), a, None)).Revision;
        await store.CompactAsync(b, None);
        var c = (await store.UpdateAsync("/w/a", V("3"), b, None)).Revision;

        var events = await WatchCollector.UntilRevisionAsync(store.WatchAsync("/w/", b, None), c);

        Assert.Equal([c], events.Select(e => e.Revision));
    }

    [Fact]
    public async Task Watch_Cancelled_EndsQuietly()
    {
        var store = await NewStoreAsync();
        using var cts = new CancellationTokenSource();
        var seen = 0;
        var watching = Task.Run(async () =>
        {
            await foreach (var _ in store.WatchAsync("/w/", 1, cts.Token))
                seen++;
        });
        await store.CreateAsync("/w/a", V("1"), None);

        cts.Cancel();

        await watching.WaitAsync(WatchCollector.Deadline);
        Assert.InRange(seen, 0, 1);
    }

    [Fact]
    public async Task Watch_SlowConsumer_IsDroppedWhileOthersAndWritesContinue()
    {
        const int buffer = 16;
        var store = await NewStoreAsync(buffer);
        var start = await store.CurrentRevisionAsync(None);
        await using var slow = store.WatchAsync("/s/", start, None).GetAsyncEnumerator();
        await using var fast = store.WatchAsync("/s/", start, None).GetAsyncEnumerator();
        var slowFirst = slow.MoveNextAsync();
        var fastFirst = WatchCollector.CountAsync(fast, 1);
        await store.CreateAsync("/s/0", V("0"), None);
        Assert.True(await slowFirst.AsTask().WaitAsync(WatchCollector.Deadline));
        await fastFirst;

        for (var i = 1; i <= buffer * 4; i++)
        {
            var revision = await store.CreateAsync($"/s/{i}", V("x"), None);
            Assert.Equal(revision, Assert.Single(await WatchCollector.CountAsync(fast, 1)).Revision);
        }

        var error = await Assert.ThrowsAsync<StorageException>(async () =>
        {
            while (await slow.MoveNextAsync().AsTask().WaitAsync(WatchCollector.Deadline))
            {
            }
        });
        Assert.Equal(StorageErrorKind.WatchTooSlow, error.Kind);
    }

    [Fact]
    public async Task Update_ConcurrentCasIncrements_FinalValueEqualsSuccesses()
    {
        const int writers = 8, incrementsEach = 200;
        var store = await NewStoreAsync();
        await store.CreateAsync("/counter", V("0"), None);

        var successes = await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() => IncrementAsync(store, incrementsEach))));

        var final = (await store.GetAsync("/counter", None))!;
        Assert.Equal(writers * incrementsEach, successes.Sum());
        Assert.Equal((writers * incrementsEach).ToString(), WatchCollector.Text(final));
        Assert.Equal(2 + writers * incrementsEach, final.ModRevision);
    }

    [Fact]
    public async Task Watch_RandomConcurrentWrites_EveryWatcherSeesExactlyTheCommittedHistory()
    {
        var store = await NewStoreAsync();
        var committed = new ConcurrentBag<CommittedWrite>();
        var progress = new WriteProgress(4);
        var watchers = new List<Task<(long Start, string Prefix, List<WatchEvent> Events)>>();
        var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        watchers.Add(WatchUntilDoneAsync(store, "/h/", 1, done.Task));

        var writerTasks = Enumerable.Range(0, 4).Select(seed => Task.Run(() => RandomWritesAsync(store, seed, 150, committed, progress))).ToArray();
        for (var milestone = 0; milestone < 3; milestone++)
        {
            await progress.Milestone(milestone).WaitAsync(WatchCollector.Deadline);
            var now = await store.CurrentRevisionAsync(None);
            watchers.Add(WatchUntilDoneAsync(store, "/h/", now - (milestone * 7 % Math.Max(1, now)), done.Task));
            watchers.Add(WatchUntilDoneAsync(store, "/h/k1", now / 2, done.Task));
        }
        await Task.WhenAll(writerTasks);
        var final = await store.CurrentRevisionAsync(None);
        done.SetResult(final);
        await store.CreateAsync("/h/k1-end", V("end"), None);

        var ordered = committed.OrderBy(w => w.Revision).ToList();
        Assert.Equal(Enumerable.Range(2, (int)final - 1).Select(r => (long)r), ordered.Select(w => w.Revision));
        foreach (var (start, prefix, events) in await Task.WhenAll(watchers))
        {
            var expected = ordered.Where(w => w.Revision > start && w.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            var seen = events.Where(e => e.Revision <= final).Select(ToCommitted).ToList();
            Assert.Equal(expected, seen);
            await AssertReplayReproducesAsync(store, prefix, start, final, events);
        }
    }

    [Fact]
    public async Task Reopen_AfterWrites_KeepsDataAndRevisions()
    {
        var store = await NewStoreAsync();
        var a = await store.CreateAsync("/r/a", V("a1"), None);
        var a2 = (await store.UpdateAsync("/r/a", V("a2"), a, None)).Revision;
        var b = await store.CreateAsync("/r/b", V("b1"), None);
        var deleted = (await store.DeleteAsync("/r/b", b, None)).Revision;

        var reopened = await ReopenTrackedAsync(store);
        if (reopened is null)
            return;

        Assert.Equal(deleted, await reopened.CurrentRevisionAsync(None));
        Assert.Equal(Describe(new KeyValue("/r/a", V("a2"), a, a2)), Describe((await reopened.GetAsync("/r/a", None))!));
        Assert.Equal(["/r/a=a2", "/r/b=b1"], await SnapshotAsync(reopened, "/r/", b));
        Assert.Equal(deleted + 1, await reopened.CreateAsync("/r/c", V("c1"), None));
        var history = await WatchCollector.UntilRevisionAsync(reopened.WatchAsync("/r/", 1, None), deleted + 1);
        Assert.Equal([a, a2, b, deleted, deleted + 1], history.Select(e => e.Revision));
    }

    [Fact]
    public async Task Reopen_AfterCompactingADeletedTail_NeverReusesRevisions()
    {
        var store = await NewStoreAsync();
        var a = await store.CreateAsync("/r/a", V("a1"), None);
        var deleted = (await store.DeleteAsync("/r/a", a, None)).Revision;
        await store.CompactAsync(deleted, None);

        var reopened = await ReopenTrackedAsync(store);
        if (reopened is null)
            return;

        Assert.Equal(deleted, reopened.CompactedRevision);
        Assert.Equal(deleted, await reopened.CurrentRevisionAsync(None));
        Assert.Equal(deleted + 1, await reopened.CreateAsync("/r/a", V("again"), None));
    }

    protected async Task<IKeyValueStore> NewStoreAsync(int watchBufferSize = 10_000)
    {
        var store = await CreateStoreAsync(watchBufferSize);
        _stores.Add(store);
        return store;
    }

    private async Task<IKeyValueStore?> ReopenTrackedAsync(IKeyValueStore store)
    {
        var reopened = await ReopenAsync(store);
        if (reopened is not null)
        {
            _stores.Remove(store);
            _stores.Add(reopened);
        }
        return reopened;
    }

    private static byte[] V(string text) => Encoding.UTF8.GetBytes(text);

    private static async Task<List<string>> SnapshotAsync(IKeyValueStore store, string prefix, long revision)
    {
        var result = await store.RangeAsync(new RangeRequest(prefix, Revision: revision), None);
        return result.Items.Select(kv => $"{kv.Key}={WatchCollector.Text(kv)}").ToList();
    }

    /// <summary>Records compare their memory by reference, so tests compare this text instead.</summary>
    private static string Describe(KeyValue? kv) =>
        kv is null ? "<none>" : $"{kv.Key}={WatchCollector.Text(kv)} created@{kv.CreateRevision} modified@{kv.ModRevision}";

    private static CommittedWrite ToCommitted(WatchEvent e) => new(e.Revision, e.Type, e.Kv.Key,
        e.Type == WatchEventType.Delete ? "" : WatchCollector.Text(e.Kv));

    private static async Task<int> IncrementAsync(IKeyValueStore store, int increments)
    {
        var current = (await store.GetAsync("/counter", None))!;
        var done = 0;
        while (done < increments)
        {
            var next = int.Parse(WatchCollector.Text(current)) + 1;
            var result = await store.UpdateAsync("/counter", V(next.ToString()), current.ModRevision, None);
            if (result.Succeeded)
                done++;
            current = result.Current!;
        }
        return done;
    }

    private static async Task RandomWritesAsync(IKeyValueStore store, int seed, int count, ConcurrentBag<CommittedWrite> committed, WriteProgress progress)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var key = random.Next(3) == 0 ? $"/other/{random.Next(3)}" : $"/h/k{random.Next(6)}";
            var value = $"{seed}-{i}";
            var write = await TryRandomWriteAsync(store, random.Next(3), key, value);
            if (write is not null)
                committed.Add(write);
            progress.Advance(count);
        }
    }

    /// <summary>One random create, update or delete; returns what was committed, or null when its precondition failed.</summary>
    private static async Task<CommittedWrite?> TryRandomWriteAsync(IKeyValueStore store, int verb, string key, string value)
    {
        switch (verb)
        {
            case 0:
                try
                {
                    return new CommittedWrite(await store.CreateAsync(key, V(value), None), WatchEventType.Put, key, value);
                }
                catch (StorageException e) when (e.Kind == StorageErrorKind.Exists)
                {
                    return null;
                }
            case 1:
                var current = await store.GetAsync(key, None);
                var updated = await store.UpdateAsync(key, V(value), current?.ModRevision ?? 0, None);
                return updated.Succeeded ? new CommittedWrite(updated.Revision, WatchEventType.Put, key, value) : null;
            default:
                var deleted = await store.DeleteAsync(key, 0, None);
                return deleted.Succeeded ? new CommittedWrite(deleted.Revision, WatchEventType.Delete, key, "") : null;
        }
    }

    /// <summary>Watches from <paramref name="start"/> until the writers finish and the watcher has passed the final revision.</summary>
    private static Task<(long, string, List<WatchEvent>)> WatchUntilDoneAsync(IKeyValueStore store, string prefix, long start, Task<long> final) =>
        Task.Run(async () =>
        {
            var events = new List<WatchEvent>();
            using var timeout = new CancellationTokenSource(WatchCollector.Deadline);
            await foreach (var e in store.WatchAsync(prefix, start, timeout.Token))
            {
                events.Add(e);
                if (final.IsCompleted && e.Revision > await final)
                    break;
            }
            return (start, prefix, events);
        });

    /// <summary>Applying the events to the snapshot at the start revision must give the snapshot at the final revision, and each PrevKv must match.</summary>
    private static async Task AssertReplayReproducesAsync(IKeyValueStore store, string prefix, long start, long final, List<WatchEvent> events)
    {
        var state = (await store.RangeAsync(new RangeRequest(prefix, Revision: start), None)).Items.ToDictionary(kv => kv.Key);
        foreach (var e in events.Where(e => e.Revision <= final))
        {
            Assert.Equal(Describe(state.GetValueOrDefault(e.Kv.Key)), Describe(e.PrevKv));
            if (e.Type == WatchEventType.Delete)
                state.Remove(e.Kv.Key);
            else
                state[e.Kv.Key] = e.Kv;
        }
        var expected = (await store.RangeAsync(new RangeRequest(prefix, Revision: final), None)).Items;
        Assert.Equal(expected.Select(Describe), state.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(Describe));
    }
}
