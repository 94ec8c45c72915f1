using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// The kine-style append-only schema: every write appends a row whose id is the revision; one (key, revision) index
/// serves the writer's latest-row check and every read. kine's second, unique (key, prev_revision) index guards against
/// several writers racing on one row; here one writer checks every precondition, and a second process writing the same
/// file fails on the revision primary key (its in-memory counter hands out revisions already taken), so that index only
/// cost a third b-tree write per row. Databases made before are migrated by dropping it.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>A new store reports revision 1, like every other backend, so the first write gets 2.</summary>
    public const long InitialRevision = 1;

    private const string CreateSql = """
        CREATE TABLE IF NOT EXISTS log (
          revision        INTEGER PRIMARY KEY AUTOINCREMENT,
          key             TEXT    NOT NULL,
          created         INTEGER NOT NULL,
          deleted         INTEGER NOT NULL,
          create_revision INTEGER NOT NULL,
          prev_revision   INTEGER NOT NULL,
          value           BLOB,
          old_value       BLOB
        );
        DROP INDEX IF EXISTS log_key_prev;
        CREATE INDEX IF NOT EXISTS log_key_revision ON log (key, revision);
        CREATE TABLE IF NOT EXISTS meta (
          id                 INTEGER PRIMARY KEY CHECK (id = 1),
          compacted_revision INTEGER NOT NULL
        );
        INSERT OR IGNORE INTO meta (id, compacted_revision) VALUES (1, 0);
        INSERT INTO sqlite_sequence (name, seq)
          SELECT 'log', $initial WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'log');
        """;

    /// <summary>The writer's own connection; unpooled so disposing the store really closes the file.</summary>
    public static string WriterConnectionString(string path) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = false,
    }.ToString();

    /// <summary>Readers share a pool; the timeout also covers SQLITE_BUSY retries.</summary>
    public static string ReadConnectionString(string path, TimeSpan busyTimeout) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWrite,
        Pooling = true,
        DefaultTimeout = Math.Max(1, (int)busyTimeout.TotalSeconds),
    }.ToString();

    /// <summary>WAL lets readers run beside the writer; NORMAL still survives a process kill because every commit reaches the OS.</summary>
    public static void ApplyPragmas(SqliteConnection connection, TimeSpan busyTimeout)
    {
        Execute(connection, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    }

    /// <summary>The writer never checkpoints: <see cref="WalCheckpointer"/> does, off the write path.</summary>
    public static void DisableAutoCheckpoint(SqliteConnection connection) => Execute(connection, "PRAGMA wal_autocheckpoint = 0;");

    public static void Create(SqliteConnection connection)
    {
        using var tx = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = CreateSql;
        command.Parameters.AddWithValue("$initial", InitialRevision);
        command.ExecuteNonQuery();
        tx.Commit();
    }

    public static long ReadCurrentRevision(SqliteConnection connection) =>
        (long)Scalar(connection, "SELECT seq FROM sqlite_sequence WHERE name = 'log'")!;

    public static long ReadCompactedRevision(SqliteConnection connection, SqliteTransaction? tx = null) =>
        (long)Scalar(connection, "SELECT compacted_revision FROM meta WHERE id = 1", tx)!;

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
