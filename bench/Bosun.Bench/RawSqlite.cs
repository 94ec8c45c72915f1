using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Bosun.Bench;

/// <summary>
/// The ceiling for any SQLite-backed store on this machine: single-row commits through Microsoft.Data.Sqlite with the
/// same durability settings as SqliteStore (WAL, synchronous=NORMAL), one prepared INSERT of a 1 KiB blob per transaction.
/// </summary>
public static class RawSqlite
{
    public const int ValueSize = 1024;

    /// <summary>Commits one row per transaction into a new database at <paramref name="path"/> for <paramref name="duration"/>; returns commits per second.</summary>
    public static double MeasureCommitsPerSecond(string path, TimeSpan duration)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
        Execute(connection, "CREATE TABLE IF NOT EXISTS bench (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, value BLOB)");
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO bench (key, value) VALUES ($key, $value)";
        var key = insert.Parameters.Add(new SqliteParameter { ParameterName = "$key" });
        insert.Parameters.AddWithValue("$value", new byte[ValueSize]);
        insert.Prepare();
        var clock = Stopwatch.StartNew();
        long rows = 0;
        while (clock.Elapsed < duration)
        {
            using var tx = connection.BeginTransaction();
            insert.Transaction = tx;
            key.Value = $"/bench/{rows}";
            insert.ExecuteNonQuery();
            tx.Commit();
            rows++;
        }
        return rows / clock.Elapsed.TotalSeconds;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
