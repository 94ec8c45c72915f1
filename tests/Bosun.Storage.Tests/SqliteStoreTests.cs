using System.Text;
using Bosun.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Tests;

/// <summary>SQLite-specific behaviour the conformance suite cannot see: what is left in the file, and batching.</summary>
public sealed class SqliteStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Reads_MoreConcurrentThanThePooledSessions_AllSeeTheWritesBeforeThem()
    {
        await using var store = await SqliteStore.OpenAsync(_directory.File("reads.db"));
        var created = new long[40];
        for (var k = 0; k < created.Length; k++)
            created[k] = await store.CreateAsync($"/r/{k:D2}", Encoding.UTF8.GetBytes($"v{k}"), None);

        // 64 readers at once, more than the idle sessions kept, each mixing point reads, pages and full ranges.
        await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < 20; n++)
            {
                var k = (i + n) % created.Length;
                var kv = await store.GetAsync($"/r/{k:D2}", None);
                Assert.Equal($"v{k}", Encoding.UTF8.GetString(kv!.Value.Span));
                Assert.Equal(created[k], kv.ModRevision);
                var page = await store.RangeAsync(new RangeRequest("/r/") { Limit = 7 }, None);
                Assert.Equal(7, page.Items.Count);
                Assert.Equal(created.Length - 7, page.Remaining);
                Assert.Equal(created.Length, (await store.RangeAsync(new RangeRequest("/r/"), None)).Items.Count);
            }
        })));
    }

    [Fact]
    public async Task Read_AtACompactedRevision_FailsAndTheNextReadStillWorks()
    {
        await using var store = await SqliteStore.OpenAsync(_directory.File("compacted.db"));
        var first = await store.CreateAsync("/c/a", Encoding.UTF8.GetBytes("1"), None);
        var second = (await store.UpdateAsync("/c/a", Encoding.UTF8.GetBytes("2"), first, None)).Revision;
        await store.CompactAsync(second, None);

        var error = await Assert.ThrowsAsync<StorageException>(() => store.RangeAsync(new RangeRequest("/c/") { Revision = first }, None));
        Assert.Equal(StorageErrorKind.Compacted, error.Kind);
        // The session that failed went back to the pool in a clean state (its read transaction ended).
        var items = (await store.RangeAsync(new RangeRequest("/c/"), None)).Items;
        Assert.Equal("2", Encoding.UTF8.GetString(Assert.Single(items).Value.Span));
        await store.UpdateAsync("/c/a", Encoding.UTF8.GetBytes("3"), second, None);
        Assert.Equal("3", Encoding.UTF8.GetString((await store.GetAsync("/c/a", None))!.Value.Span));
    }

    [Fact]
    public async Task Read_AfterDispose_IsRefusedAsUnavailable()
    {
        var store = await SqliteStore.OpenAsync(_directory.File("closed.db"));
        await store.CreateAsync("/d/a", Encoding.UTF8.GetBytes("1"), None);
        await store.DisposeAsync();

        var error = await Assert.ThrowsAsync<StorageException>(() => store.GetAsync("/d/a", None));
        Assert.Equal(StorageErrorKind.Unavailable, error.Kind);
    }

    [Fact]
    public async Task Compact_OverManySmallBatches_LeavesOnlyLatestRowOfEachLiveKey()
    {
        var path = _directory.File("compact.db");
        await using (var store = await SqliteStore.OpenAsync(path, new SqliteStoreOptions { CompactionBatchSize = 10 }))
        {
            var revisions = new long[20];
            for (var k = 0; k < revisions.Length; k++)
                revisions[k] = await store.CreateAsync($"/k/{k}", Encoding.UTF8.GetBytes("0"), None);
            for (var round = 1; round <= 20; round++)
            {
                for (var k = 0; k < revisions.Length; k++)
                    revisions[k] = (await store.UpdateAsync($"/k/{k}", Encoding.UTF8.GetBytes($"{round}"), revisions[k], None)).Revision;
            }
            for (var k = 0; k < 5; k++)
                await store.DeleteAsync($"/k/{k}", 0, None);

            await store.CompactAsync(await store.CurrentRevisionAsync(None), None);

            var items = (await store.RangeAsync(new RangeRequest("/k/"), None)).Items;
            Assert.Equal(15, items.Count);
            Assert.All(items, kv => Assert.Equal("20", Encoding.UTF8.GetString(kv.Value.Span)));
        }
        Assert.Equal(15, CountLogRows(path));
    }

    [Fact]
    public async Task CreateAsync_ManyConcurrentWriters_CommitsInFewerTransactions()
    {
        await using var store = await SqliteStore.OpenAsync(_directory.File("batch.db"));

        var creates = Enumerable.Range(0, 200).Select(i => store.CreateAsync($"/b/{i}", new byte[16], None)).ToArray();
        var revisions = await Task.WhenAll(creates);

        Assert.Equal(Enumerable.Range(2, 200).Select(r => (long)r), revisions.Order());
        Assert.True(store.CommittedBatches < 200, $"{store.CommittedBatches} transactions for 200 queued writes");
    }

    [Fact]
    public async Task Writes_PastTheCheckpointThreshold_AreCopiedIntoTheDatabaseFileWhileTheStoreIsOpen()
    {
        var path = _directory.File("checkpoint.db");
        await using var store = await SqliteStore.OpenAsync(path, new SqliteStoreOptions { RowsPerCheckpoint = 20 });

        // 25 rows one by one: the 20th wakes the checkpointer once; the 5 after it stay below the next threshold.
        for (var i = 0; i < 25; i++)
            await store.CreateAsync($"/c/{i:D2}", new byte[512], None);
        Assert.True(SpinWait.SpinUntil(() => store.Checkpoints >= 1, TimeSpan.FromSeconds(10)), "no checkpoint ran");

        // The writer does not checkpoint any more, so only the background checkpoint can have put rows into the main file;
        // a copy of that file alone (no WAL beside it) shows what the checkpoint copied.
        var copy = _directory.File("checkpoint-copy.db");
        File.Copy(path, copy);
        Assert.InRange(CountLogRows(copy), 20, 25);
    }

    [Fact]
    public async Task Writes_SustainedWhileCheckpointing_WalStartsOverInsteadOfGrowingWithEveryRow()
    {
        var path = _directory.File("wal.db");
        await using var store = await SqliteStore.OpenAsync(path, new SqliteStoreOptions { RowsPerCheckpoint = 20, WalRestartPages = 64 });

        // 32 writers keep the writer busy while the background checkpoints run, so only the writer's catch-up lets the
        // WAL start over; 8,000 rows of 2 KiB are over 8,000 pages of WAL if it never does (5,678 for half as many, seen).
        await Task.WhenAll(Enumerable.Range(0, 32).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 250; i++)
                await store.CreateAsync($"/w/{w:D2}/{i:D3}", new byte[2048], None);
        })));

        var walPages = new FileInfo(path + "-wal").Length / 4096;
        // The rows alone need 4,000 pages: fewer means the WAL was started over (how often depends on how long one
        // background pass, two fsyncs, takes on this disk).
        Assert.True(walPages < 4000, $"the WAL grew to {walPages} pages; {store.WriterTimes.CatchUps} catch-ups, {store.Checkpoints} checkpoints, last {store.LastCheckpoint}");
        Assert.Equal(8000, (await store.RangeAsync(new RangeRequest("/w/"), None)).Items.Count);
    }

    [Fact]
    public async Task OpenAsync_DatabaseWithTheOldUniquePrevRevisionIndex_DropsItAndKeepsTheRows()
    {
        var path = _directory.File("migrate.db");
        await using (var store = await SqliteStore.OpenAsync(path))
            await store.CreateAsync("/m/a", "1"u8.ToArray(), None);
        Execute(path, "CREATE UNIQUE INDEX log_key_prev ON log (key, prev_revision)");

        await using (var store = await SqliteStore.OpenAsync(path))
        {
            Assert.Equal("1", Encoding.UTF8.GetString((await store.GetAsync("/m/a", None))!.Value.Span));
            await store.CreateAsync("/m/b", "2"u8.ToArray(), None);
        }

        Assert.Equal(0L, Scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'log_key_prev'"));
        Assert.Equal(1L, Scalar(path, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'log_key_revision'"));
        Assert.Equal(2, CountLogRows(path));
    }

    private static void Execute(string path, string sql) => Scalar(path, sql);

    private static object? Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static long CountLogRows(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM log";
        return (long)command.ExecuteScalar()!;
    }
}
