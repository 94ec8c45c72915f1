using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// The only writer of the database. It drains whatever writes are queued, checks each precondition and appends
/// each row inside one transaction, commits once (group commit), then publishes the events in revision order and
/// completes the callers. Compaction runs here too, one bounded batch at a time, so writes interleave with it.
/// </summary>
internal sealed class SqliteWriter : IAsyncDisposable
{
    private const string SelectLatestSql = "SELECT revision, deleted, create_revision, value FROM log WHERE key = $key ORDER BY revision DESC LIMIT 1";

    private const string InsertSql = """
        INSERT INTO log (revision, key, created, deleted, create_revision, prev_revision, value, old_value)
        VALUES ($revision, $key, $created, $deleted, $create_revision, $prev_revision, $value, $old_value)
        """;

    private const string CompactionCandidatesSql = """
        SELECT l.revision FROM log l
        WHERE l.revision > $from AND l.revision <= $to
          AND (l.deleted = 1 OR EXISTS (
                SELECT 1 FROM log n WHERE n.key = l.key AND n.revision > l.revision AND n.revision <= $target))
        ORDER BY l.revision LIMIT $limit
        """;

    private readonly SqliteConnection _connection;
    private readonly WatchBroadcaster _broadcaster;
    private readonly WalCheckpointer _checkpointer;
    private readonly SqliteStoreOptions _options;
    // Synchronous continuations: the only waiter is the writer thread blocked in WaitForWrites, so completing its wait just
    // wakes that thread instead of queueing a work item to the pool first.
    private readonly Channel<WriteOperation> _queue = Channel.CreateUnbounded<WriteOperation>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly SqliteCommand _selectLatest;
    private readonly SqliteCommand _insert;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _revision;
    private long _compacted;
    private long _batches;
    private WriterTimes _times;

    public SqliteWriter(SqliteConnection connection, WatchBroadcaster broadcaster, WalCheckpointer checkpointer, SqliteStoreOptions options, long revision, long compacted)
    {
        _connection = connection;
        _broadcaster = broadcaster;
        _checkpointer = checkpointer;
        _options = options;
        _revision = revision;
        _compacted = compacted;
        _selectLatest = Prepare(SelectLatestSql, "$key");
        _insert = Prepare(InsertSql, "$revision", "$key", "$created", "$deleted", "$create_revision", "$prev_revision", "$value", "$old_value");
        // Its own thread, not the pool's: a batch blocks in SQLite for up to milliseconds, and on a 2-core machine a pool
        // thread held that long is half the pool the HTTP requests feeding this writer need.
        new Thread(Run) { IsBackground = true, Name = "sqlite-writer" }.Start();
    }

    /// <summary>The last committed revision.</summary>
    public long Revision => Volatile.Read(ref _revision);

    public long CompactedRevision => Volatile.Read(ref _compacted);

    /// <summary>Write transactions committed so far; with the revision it shows how well group commit batches.</summary>
    public long CommittedBatches => Volatile.Read(ref _batches);

    /// <summary>WAL checkpoints run so far (off the writer thread).</summary>
    public long Checkpoints => _checkpointer.Checkpoints;

    public WalCheckpointer Checkpointer => _checkpointer;

    /// <summary>Where the writer thread's time went so far (a torn read is fine: diagnostics only).</summary>
    public WriterTimes Times => _times;

    public async Task<WriteResult> EnqueueAsync(WriteOperation operation)
    {
        if (!_queue.Writer.TryWrite(operation))
            throw new StorageException(StorageErrorKind.Unavailable, "the store is closed");
        var result = await operation.Task.ConfigureAwait(false);
        // Diagnostics only, racy by design: how long the answered caller waited for a thread.
        Interlocked.Add(ref _times.Resume, Stopwatch.GetTimestamp() - operation.CompletedAt);
        Interlocked.Increment(ref _times.Resumes);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stopped.Task;
        _selectLatest.Dispose();
        _insert.Dispose();
        await _checkpointer.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private void Run()
    {
        try
        {
            RunBatches();
            _stopped.SetResult();
        }
        catch (Exception ex)
        {
            _stopped.SetException(ex);
        }
    }

    private void RunBatches()
    {
        var batch = new List<WriteOperation>();
        while (WaitForWrites())
        {
            var compaction = TakeBatch(batch);
            if (batch.Count > 0)
            {
                var t0 = Stopwatch.GetTimestamp();
                foreach (var operation in batch)
                    _times.QueueWait += t0 - operation.EnqueuedAt;
                CommitBatch(batch);
                _times.Busy += Stopwatch.GetTimestamp() - t0;
                _times.Rows += batch.Count;
            }
            batch.Clear();
            if (compaction is not null)
                CompactStep(compaction);
            if (_checkpointer.CatchUpDue && CatchUpCheckpoint())
                _checkpointer.CatchUpDone();
        }
    }

    /// <summary>
    /// Copies the frames the background checkpoint left behind, so the next transaction starts the WAL over; false when
    /// some are left (a reader still needs them), to try again after the next batch.
    /// </summary>
    private bool CatchUpCheckpoint()
    {
        var t0 = Stopwatch.GetTimestamp();
        var done = false;
        try
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            using var row = command.ExecuteReader();
            done = row.Read() && row.GetInt64(0) == 0 && row.GetInt64(2) == row.GetInt64(1);
        }
        catch (SqliteException)
        {
            // Nothing is lost: the frames stay in the WAL.
        }
        _times.CatchUps++;
        _times.CatchUp += Stopwatch.GetTimestamp() - t0;
        return done;
    }

    /// <summary>Blocks until a write is queued (true) or the queue is closed and empty (false).</summary>
    private bool WaitForWrites()
    {
        var wait = _queue.Reader.WaitToReadAsync();
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Fills <paramref name="batch"/> with queued writes; stops early at a compaction, which is returned to run on its own.</summary>
    private WriteOperation? TakeBatch(List<WriteOperation> batch)
    {
        while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var operation))
        {
            if (operation.Kind == WriteKind.Compact)
                return operation;
            if (operation.CancellationToken.IsCancellationRequested)
                operation.Cancel();
            else
                batch.Add(operation);
        }
        return null;
    }

    private void CommitBatch(List<WriteOperation> batch)
    {
        var results = new WriteResult[batch.Count];
        var events = new List<WatchEvent>(batch.Count);
        var revision = _revision;
        try
        {
            using var tx = _connection.BeginTransaction();
            _selectLatest.Transaction = tx;
            _insert.Transaction = tx;
            var t0 = Stopwatch.GetTimestamp();
            for (var i = 0; i < batch.Count; i++)
                results[i] = Apply(batch[i], ref revision, events);
            var t1 = Stopwatch.GetTimestamp();
            tx.Commit();
            _times.Apply += t1 - t0;
            var commit = Stopwatch.GetTimestamp() - t1;
            _times.Commit += commit;
            if (commit > Stopwatch.Frequency / 1000)
            {
                _times.SlowCommits++;
                _times.SlowCommit += commit;
            }
        }
        catch (Exception ex)
        {
            // The transaction rolled back, so none of these writes happened; the loop must survive to serve later ones.
            foreach (var operation in batch)
                operation.Fail(new StorageException(StorageErrorKind.Unavailable, "the write could not be committed", ex));
            return;
        }
        Volatile.Write(ref _revision, revision);
        Interlocked.Increment(ref _batches);
        _checkpointer.Committed(batch.Count);
        _broadcaster.Publish(events);
        for (var i = 0; i < batch.Count; i++)
            batch[i].Complete(results[i]);
    }

    /// <summary>Checks one write against the key's latest row (earlier writes of this batch included) and appends its row.</summary>
    private WriteResult Apply(WriteOperation operation, ref long revision, List<WatchEvent> events)
    {
        var current = ReadLatest(operation.Key, out var latestRevision);
        var next = revision + 1;
        WatchEvent e;
        switch (operation.Kind)
        {
            case WriteKind.Create when current is null:
                e = new WatchEvent(WatchEventType.Put, new KeyValue(operation.Key, operation.Value!, next, next), null);
                Insert(e, created: true, latestRevision);
                break;
            case WriteKind.Update when current is not null && current.ModRevision == operation.ExpectedModRevision:
                e = new WatchEvent(WatchEventType.Put, new KeyValue(operation.Key, operation.Value!, current.CreateRevision, next), current);
                Insert(e, created: false, latestRevision);
                break;
            case WriteKind.Delete when current is not null && (operation.ExpectedModRevision is 0 || current.ModRevision == operation.ExpectedModRevision):
                e = new WatchEvent(WatchEventType.Delete, current with { ModRevision = next }, current);
                Insert(e, created: false, latestRevision);
                break;
            default:
                return new WriteResult(false, revision, current);
        }
        revision = next;
        events.Add(e);
        return new WriteResult(true, next, e.Type == WatchEventType.Delete ? null : e.Kv);
    }

    /// <summary>The key's live value, or null when it is absent or deleted; <paramref name="latestRevision"/> is its newest row (0 if none).</summary>
    private KeyValue? ReadLatest(string key, out long latestRevision)
    {
        _selectLatest.Parameters[0].Value = key;
        using var row = _selectLatest.ExecuteReader();
        if (!row.Read())
        {
            latestRevision = 0;
            return null;
        }
        latestRevision = row.GetInt64(0);
        return row.GetInt64(1) != 0 ? null : new KeyValue(key, LogRow.Blob(row, 3), row.GetInt64(2), latestRevision);
    }

    private void Insert(WatchEvent e, bool created, long prevRevision)
    {
        var p = _insert.Parameters;
        var deleted = e.Type == WatchEventType.Delete;
        p[0].Value = e.Revision;
        p[1].Value = e.Kv.Key;
        p[2].Value = created ? 1 : 0;
        p[3].Value = deleted ? 1 : 0;
        p[4].Value = e.Kv.CreateRevision;
        p[5].Value = prevRevision;
        p[6].Value = Bytes(e.Kv.Value);
        p[7].Value = created || deleted ? DBNull.Value : Bytes(e.PrevKv!.Value);
        _insert.ExecuteNonQuery();
    }

    /// <summary>The array behind <paramref name="value"/> when it spans all of it (values are copied once, on enqueue), else a copy.</summary>
    private static byte[] Bytes(ReadOnlyMemory<byte> value) =>
        MemoryMarshal.TryGetArray(value, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : value.ToArray();

    /// <summary>
    /// Deletes one bounded batch of superseded rows and tombstones, oldest first (so a tombstone never outlives the
    /// rows it hides), then queues itself again behind any waiting writes until the whole range is done.
    /// </summary>
    private void CompactStep(WriteOperation compaction)
    {
        var target = compaction.ExpectedModRevision;
        var limit = _options.CompactionBatchSize;
        var windowEnd = Math.Min(target, compaction.Cursor + 10L * limit);
        try
        {
            using var tx = _connection.BeginTransaction();
            Execute(tx, "UPDATE meta SET compacted_revision = max(compacted_revision, $target) WHERE id = 1", ("$target", target));
            var doomed = CompactionCandidates(tx, compaction.Cursor, windowEnd, target, limit);
            foreach (var revision in doomed)
                Execute(tx, "DELETE FROM log WHERE revision = $revision", ("$revision", revision));
            tx.Commit();
            compaction.Cursor = doomed.Count == limit ? doomed[^1] : windowEnd;
            _checkpointer.Committed(doomed.Count);
        }
        catch (Exception ex)
        {
            compaction.Fail(new StorageException(StorageErrorKind.Unavailable, "compaction failed", ex));
            return;
        }
        if (Volatile.Read(ref _compacted) < target)
            Volatile.Write(ref _compacted, target);
        if (compaction.Cursor >= target || !_queue.Writer.TryWrite(compaction))
            compaction.Complete(new WriteResult(true, Revision, null));
    }

    private List<long> CompactionCandidates(SqliteTransaction tx, long from, long to, long target, int limit)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = CompactionCandidatesSql;
        command.Parameters.AddWithValue("$from", from);
        command.Parameters.AddWithValue("$to", to);
        command.Parameters.AddWithValue("$target", target);
        command.Parameters.AddWithValue("$limit", limit);
        var revisions = new List<long>();
        using var row = command.ExecuteReader();
        while (row.Read())
            revisions.Add(row.GetInt64(0));
        return revisions;
    }

    private void Execute(SqliteTransaction tx, string sql, (string Name, long Value) parameter)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.Parameters.AddWithValue(parameter.Name, parameter.Value);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        // Without an explicit Prepare, Microsoft.Data.Sqlite parses and plans the SQL again on every execution.
        command.Prepare();
        return command;
    }
}
