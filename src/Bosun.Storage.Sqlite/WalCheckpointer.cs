using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// Copies the WAL back into the database file on its own connection and thread, so the single writer never does it.
/// SQLite's automatic checkpoint runs inside the COMMIT that crosses its threshold and fsyncs the WAL and the database
/// there; under load that was one commit in seven taking 5–15 ms with every queued write waiting behind it. Durability
/// is unchanged: a commit is durable against a process kill once it is in the WAL (synchronous=NORMAL), checkpoint or not.
/// </summary>
internal sealed class WalCheckpointer : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _checkpoint;
    private readonly int _rowsPerCheckpoint;
    private readonly SemaphoreSlim _due = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private long _rowsSinceCheckpoint;
    private int _signalled;
    private long _checkpoints;

    public WalCheckpointer(string connectionString, TimeSpan busyTimeout, int rowsPerCheckpoint)
    {
        _rowsPerCheckpoint = rowsPerCheckpoint;
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

    /// <summary>Checkpoints run so far; for tests and benchmarks.</summary>
    public long Checkpoints => Volatile.Read(ref _checkpoints);

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
            Checkpoint();
        }
    }

    private void Checkpoint()
    {
        try
        {
            _checkpoint.ExecuteNonQuery();
            Interlocked.Increment(ref _checkpoints);
        }
        catch (SqliteException)
        {
            // A failed checkpoint loses nothing (the frames stay in the WAL); the next one copies them.
        }
    }
}
