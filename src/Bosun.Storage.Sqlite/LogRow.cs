using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>Reads rows of the log table into values and watch events; the column order is fixed by <see cref="Columns"/>.</summary>
internal static class LogRow
{
    public const string Columns = "revision, key, created, deleted, create_revision, prev_revision, value, old_value";

    public static WatchEvent ToEvent(SqliteDataReader row)
    {
        var revision = row.GetInt64(0);
        var key = row.GetString(1);
        var createRevision = row.GetInt64(4);
        var prevRevision = row.GetInt64(5);
        var value = Blob(row, 6);
        var kv = new KeyValue(key, value, createRevision, revision);
        if (row.GetInt64(3) != 0)
            return new WatchEvent(WatchEventType.Delete, kv, kv with { ModRevision = prevRevision });
        if (row.GetInt64(2) != 0)
            return new WatchEvent(WatchEventType.Put, kv, null);
        return new WatchEvent(WatchEventType.Put, kv, new KeyValue(key, Blob(row, 7), createRevision, prevRevision));
    }

    public static byte[] Blob(SqliteDataReader row, int ordinal) =>
        row.IsDBNull(ordinal) ? [] : row.GetFieldValue<byte[]>(ordinal);
}
