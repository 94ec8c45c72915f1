using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// An <see cref="IKeyValueStore"/> in one SQLite file with kine's append-only log: the row id is the revision.
/// Writes go through one group-committing writer loop; reads use pooled connections; watch is fed in-process
/// after each commit. One store per file: the revision counter lives in this process, so a second writer on the
/// same file would fail its commits rather than corrupt anything.
/// </summary>
public sealed class SqliteStore : IKeyValueStore, IWatchHistory
{
    private readonly SqliteWriter _writer;
    private readonly SqliteReader _reader;
    private readonly WatchBroadcaster _broadcaster;
    private int _disposed;

    private SqliteStore(SqliteWriter writer, SqliteReader reader, WatchBroadcaster broadcaster)
    {
        _writer = writer;
        _reader = reader;
        _broadcaster = broadcaster;
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/>.</summary>
    public static Task<SqliteStore> OpenAsync(string path, SqliteStoreOptions? options = null, CancellationToken ct = default)
    {
        options ??= new SqliteStoreOptions();
        ct.ThrowIfCancellationRequested();
        var connection = new SqliteConnection(SqliteSchema.WriterConnectionString(path));
        try
        {
            connection.Open();
            SqliteSchema.ApplyPragmas(connection, options.BusyTimeout);
            SqliteSchema.DisableAutoCheckpoint(connection);
            SqliteSchema.Create(connection);
            var revision = SqliteSchema.ReadCurrentRevision(connection);
            var compacted = SqliteSchema.ReadCompactedRevision(connection);
            var broadcaster = new WatchBroadcaster(revision, options.WatchBufferSize);
            var checkpointer = new WalCheckpointer(SqliteSchema.WriterConnectionString(path), options.BusyTimeout, options.RowsPerCheckpoint, options.WalRestartPages);
            var writer = new SqliteWriter(connection, broadcaster, checkpointer, options, revision, compacted);
            var reader = new SqliteReader(SqliteSchema.ReadConnectionString(path, options.BusyTimeout));
            return Task.FromResult(new SqliteStore(writer, reader, broadcaster));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public long CompactedRevision => _writer.CompactedRevision;

    /// <summary>Write transactions committed since open; for benchmarks and diagnostics.</summary>
    internal long CommittedBatches => _writer.CommittedBatches;

    /// <summary>WAL checkpoints run since open; for tests.</summary>
    internal long Checkpoints => _writer.Checkpoints;

    /// <summary>The last background checkpoint's answer (busy, WAL frames, frames copied); for benchmarks.</summary>
    internal (long Busy, long Log, long Copied) LastCheckpoint => _writer.Checkpointer.LastPass;

    /// <summary>Where the single writer's time went; for benchmarks.</summary>
    internal WriterTimes WriterTimes => _writer.Times;

    public Task<long> CurrentRevisionAsync(CancellationToken ct) => Task.FromResult(_writer.Revision);

    public Task<KeyValue?> GetAsync(string key, CancellationToken ct) => Task.FromResult(_reader.Get(key));

    public Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct)
    {
        var revision = request.Revision == 0 ? _writer.Revision : request.Revision;
        return Task.FromResult(_reader.Range(request, revision));
    }

    public async Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct)
    {
        var result = await EnqueueAsync(new WriteOperation(WriteKind.Create, key, value.ToArray(), 0, ct), ct);
        return result.Succeeded ? result.Revision : throw StorageException.Exists(key);
    }

    public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct) =>
        EnqueueAsync(new WriteOperation(WriteKind.Update, key, value.ToArray(), expectedModRevision, ct), ct);

    public Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct) =>
        EnqueueAsync(new WriteOperation(WriteKind.Delete, key, null, expectedModRevision, ct), ct);

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken ct) =>
        WatchStream.RunAsync(_broadcaster, this, prefix, afterRevision, ct);

    public Task CompactAsync(long revision, CancellationToken ct)
    {
        revision = Math.Min(revision, _writer.Revision);
        return revision <= _writer.CompactedRevision
            ? Task.CompletedTask
            : EnqueueAsync(WriteOperation.Compaction(revision), ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _writer.DisposeAsync();
        _broadcaster.Close();
        _reader.Close();
    }

    ValueTask<IReadOnlyList<WatchEvent>> IWatchHistory.ReadHistoryAsync(
        string prefix, long after, long upTo, int max, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_reader.History(prefix, after, upTo, max));
    }

    private Task<WriteResult> EnqueueAsync(WriteOperation operation, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return _writer.EnqueueAsync(operation);
    }
}
