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

    private static long CountLogRows(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM log";
        return (long)command.ExecuteScalar()!;
    }
}
