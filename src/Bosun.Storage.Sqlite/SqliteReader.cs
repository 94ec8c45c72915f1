using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// Reads on pooled connections, separate from the writer: in WAL mode readers and the writer do not block each other.
/// Each read that pins a revision runs in one read transaction and checks the compacted revision inside the same
/// snapshot, so it never sees a half-compacted history.
/// </summary>
internal sealed class SqliteReader(string connectionString)
{
    private const string GetSql = "SELECT revision, deleted, create_revision, value FROM log WHERE key = $key ORDER BY revision DESC LIMIT 1";

    public KeyValue? Get(string key)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = GetSql;
        command.Parameters.AddWithValue("$key", key);
        using var row = command.ExecuteReader();
        if (!row.Read() || row.GetInt64(1) != 0)
            return null;
        return new KeyValue(key, LogRow.Blob(row, 3), row.GetInt64(2), row.GetInt64(0));
    }

    public RangeResult Range(RangeRequest request, long revision)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction(deferred: true);
        ThrowIfCompacted(connection, tx, revision);
        var upper = KeyRange.PrefixEnd(request.Prefix);
        var lower = KeyRange.LowerBound(request.Prefix, request.StartKey);
        var fetch = request.Limit > 0 ? request.Limit + 1 : -1;
        var items = ReadLatestRows(connection, tx, lower, upper, revision, fetch);
        if (request.Limit <= 0 || items.Count <= request.Limit)
            return new RangeResult(items, revision, false, 0);
        var remaining = CountLatestRows(connection, tx, items[request.Limit].Key, upper, revision);
        items.RemoveAt(request.Limit);
        return new RangeResult(items, revision, true, remaining);
    }

    public IReadOnlyList<WatchEvent> History(string prefix, long after, long upTo, int max)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction(deferred: true);
        ThrowIfCompacted(connection, tx, after);
        var upper = KeyRange.PrefixEnd(prefix);
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"""
            SELECT {LogRow.Columns} FROM log
            WHERE revision > $after AND revision <= $upTo AND key >= $lower {(upper is null ? "" : "AND key < $upper")}
            ORDER BY revision LIMIT $max
            """;
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$upTo", upTo);
        command.Parameters.AddWithValue("$lower", prefix);
        command.Parameters.AddWithValue("$max", max);
        if (upper is not null)
            command.Parameters.AddWithValue("$upper", upper);
        var events = new List<WatchEvent>();
        using var row = command.ExecuteReader();
        while (row.Read())
            events.Add(LogRow.ToEvent(row));
        return events;
    }

    /// <summary>Releases pooled connections so the database file can be closed or deleted.</summary>
    public void Close()
    {
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static void ThrowIfCompacted(SqliteConnection connection, SqliteTransaction tx, long revision)
    {
        var compacted = SqliteSchema.ReadCompactedRevision(connection, tx);
        if (revision < compacted)
            throw StorageException.Compacted(revision, compacted);
    }

    /// <summary>The latest live row of each key in [lower, upper) as of <paramref name="revision"/>; seeks the (key, revision) index rather than scanning.</summary>
    private static List<KeyValue> ReadLatestRows(
        SqliteConnection connection, SqliteTransaction tx, string lower, string? upper, long revision, int limit)
    {
        using var command = LatestRowsCommand(connection, tx, "l.key, l.value, l.create_revision, l.revision", lower, upper, revision);
        command.CommandText += " ORDER BY l.key LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        var items = new List<KeyValue>();
        using var row = command.ExecuteReader();
        while (row.Read())
            items.Add(new KeyValue(row.GetString(0), LogRow.Blob(row, 1), row.GetInt64(2), row.GetInt64(3)));
        return items;
    }

    private static long CountLatestRows(SqliteConnection connection, SqliteTransaction tx, string lower, string? upper, long revision)
    {
        using var command = LatestRowsCommand(connection, tx, "COUNT(*)", lower, upper, revision);
        return (long)command.ExecuteScalar()!;
    }

    private static SqliteCommand LatestRowsCommand(
        SqliteConnection connection, SqliteTransaction tx, string select, string lower, string? upper, long revision)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = $"""
            SELECT {select} FROM log l
            JOIN (SELECT key, MAX(revision) AS revision FROM log
                  WHERE key >= $lower {(upper is null ? "" : "AND key < $upper")} AND revision <= $revision
                  GROUP BY key) m ON l.revision = m.revision
            WHERE l.deleted = 0
            """;
        command.Parameters.AddWithValue("$lower", lower);
        command.Parameters.AddWithValue("$revision", revision);
        if (upper is not null)
            command.Parameters.AddWithValue("$upper", upper);
        return command;
    }
}
