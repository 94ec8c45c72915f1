using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// Copies the WAL back into the database file on its own connection and thread, so the single writer does not.
/// SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold and fsyncs the WAL and the database
/// there; under load that was one commit in seven taking 5–15 ms with every queued write waiting behind it. Durability
/// is unchanged: a commit is durable against a process kill once it is in the WAL (synchronous=NORMAL), checkpoint or not.
/// <para>
/// SQLite only starts the WAL over when a write transaction begins with every frame copied back, which a background
/// checkpoint racing a busy writer never achieves: the WAL grew by ~70 MB/s under the benchmark. So once the WAL is
/// past <see cref="SqliteStoreOptions.WalRestartPages"/>, the writer is asked to copy the
/// few remaining ones itself between two batches (<see cref="CatchUpDue"/>); its next transaction then starts the WAL over.
/// That is one short stall per that many pages instead of one long one per thousand.
/// </para>
/// </summary>
internal sealed class WalCheckpointer : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _checkpoint;
    private readonly int _rowsPerCheckpoint;
    private readonly int _restartPages;
    private readonly SemaphoreSlim _due = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _rowsSinceCheckpoint;
    private int _signalled;
    private long _checkpoints;
    private int _catchUpDue;

    public WalCheckpointer(string connectionString, TimeSpan busyTimeout, int rowsPerCheckpoint, int restartPages)
    {
        _rowsPerCheckpoint = rowsPerCheckpoint;
        _restartPages = restartPages;
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        SqliteSchema.ApplyPragmas(_connection, busyTimeout);
        _checkpoint = _connection.CreateCommand();
        // PASSIVE never waits for readers or the writer: it copies what it can and leaves the rest for the next round.
        _checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        // Its own thread, not the pool's: a checkpoint blocks for milliseconds in fsync.
        _thread = new Thread(Run) { IsBackground = true, Name = "sqlite-checkpoint" };
        _thread.Start();
    }

    /// <summary>The last pass's answer: busy, frames in the WAL, frames copied back; for benchmarks.</summary>
    public (long Busy, long Log, long Copied) LastPass { get; private set; }

    /// <summary>Checkpoints run so far; for tests and benchmarks.</summary>
    public long Checkpoints => Volatile.Read(ref _checkpoints);

    /// <summary>
    /// True while the writer should copy the rest of the WAL itself so the WAL can start over. Background passes are
    /// suspended meanwhile: a pass holds the lock a transaction needs to start the WAL over, and makes the writer's
    /// checkpoint return busy.
    /// </summary>
    public bool CatchUpDue => Volatile.Read(ref _catchUpDue) != 0;

    /// <summary>The writer copied every frame; its next transaction starts the WAL over.</summary>
    public void CatchUpDone() => Volatile.Write(ref _catchUpDue, 0);

    /// <summary>Called by the writer after each commit; wakes the checkpointer once enough rows have piled up in the WAL.</summary>
    public void Committed(int rows)
    {
        if (Interlocked.Add(ref _rowsSinceCheckpoint, rows) >= _rowsPerCheckpoint && Interlocked.Exchange(ref _signalled, 1) == 0)
            _due.Release();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _thread.Join();
        _checkpoint.Dispose();
        await _connection.DisposeAsync();
        _stop.Dispose();
        _due.Dispose();
    }

    private void Run()
    {
        while (true)
        {
            try
            {
                _due.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Interlocked.Exchange(ref _rowsSinceCheckpoint, 0);
            Volatile.Write(ref _signalled, 0);
            if (!CatchUpDue)
                Checkpoint();
        }
    }

    private void Checkpoint()
    {
        try
        {
            // One row: busy flag, frames in the WAL, frames copied back (-1, -1 when not in WAL mode).
            using (var row = _checkpoint.ExecuteReader())
            {
                if (row.Read())
                {
                    LastPass = (row.GetInt64(0), row.GetInt64(1), row.GetInt64(2));
                    // "All copied" only means all this pass saw: the writer has usually appended more since, so the WAL
                    // is still not fully copied when its next transaction begins and would not start over.
                    if (row.GetInt64(1) >= _restartPages)
                        Volatile.Write(ref _catchUpDue, 1);
                }
            }
            Interlocked.Increment(ref _checkpoints);
        }
        catch (SqliteException)
        {
            // A failed checkpoint loses nothing (the frames stay in the WAL); the next one copies them.
        }
    }
}
