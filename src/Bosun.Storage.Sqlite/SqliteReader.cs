using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Bosun.Storage.Sqlite;

/// <summary>
/// Reads on a small pool of <see cref="ReadSession"/>s, separate from the writer: in WAL mode readers and the writer
/// do not block each other. Each read that pins a revision runs in one read transaction and checks the compacted
/// revision inside the same snapshot, so it never sees a half-compacted history.
/// </summary>
internal sealed class SqliteReader(string connectionString)
{
    private const string GetSql = "SELECT revision, deleted, create_revision, value FROM log WHERE key = $key ORDER BY revision DESC LIMIT 1";
    private const string CompactedSql = "SELECT compacted_revision FROM meta WHERE id = 1";

    /// <summary>Idle sessions kept open; more concurrent reads than this open extra sessions that are closed after use.</summary>
    private const int MaxIdle = 16;

    private readonly ConcurrentBag<ReadSession> _idle = [];
    private volatile bool _closed;

    public KeyValue? Get(string key)
    {
        var session = Rent();
        var healthy = false;
        try
        {
            var command = session.Command(GetSql);
            ReadSession.Set(command, "$key", key);
            KeyValue? result = null;
            using (var row = command.ExecuteReader())
            {
                if (row.Read() && row.GetInt64(1) == 0)
                    result = new KeyValue(key, LogRow.Blob(row, 3), row.GetInt64(2), row.GetInt64(0));
            }
            healthy = true;
            return result;
        }
        finally
        {
            Return(session, healthy);
        }
    }

    public RangeResult Range(RangeRequest request, long revision) => InSnapshot(revision, session =>
    {
        var upper = KeyRange.PrefixEnd(request.Prefix);
        var lower = KeyRange.LowerBound(request.Prefix, request.StartKey);
        var fetch = request.Limit > 0 ? request.Limit + 1 : -1;
        var items = ReadLatestRows(session, lower, upper, revision, fetch);
        if (request.Limit <= 0 || items.Count <= request.Limit)
            return new RangeResult(items, revision, false, 0);
        var remaining = CountLatestRows(session, items[request.Limit].Key, upper, revision);
        items.RemoveAt(request.Limit);
        return new RangeResult(items, revision, true, remaining);
    });

    public IReadOnlyList<WatchEvent> History(string prefix, long after, long upTo, int max) => InSnapshot(after, session =>
    {
        var upper = KeyRange.PrefixEnd(prefix);
        var command = session.Command($"""
            SELECT {LogRow.Columns} FROM log
            WHERE revision > $after AND revision <= $upTo AND key >= $lower {(upper is null ? "" : "AND key < $upper")}
            ORDER BY revision LIMIT $max
            """);
        ReadSession.Set(command, "$after", after);
        ReadSession.Set(command, "$upTo", upTo);
        ReadSession.Set(command, "$lower", prefix);
        ReadSession.Set(command, "$max", max);
        if (upper is not null)
            ReadSession.Set(command, "$upper", upper);
        var events = new List<WatchEvent>();
        using var row = command.ExecuteReader();
        while (row.Read())
            events.Add(LogRow.ToEvent(row));
        return events;
    });

    /// <summary>Closes every idle session and releases pooled connections so the database file can be closed or deleted.</summary>
    public void Close()
    {
        _closed = true;
        while (_idle.TryTake(out var session))
            session.Dispose();
        using var connection = new SqliteConnection(connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>Runs <paramref name="read"/> in one read snapshot after checking that <paramref name="revision"/> is not compacted away in it.</summary>
    private T InSnapshot<T>(long revision, Func<ReadSession, T> read)
    {
        var session = Rent();
        var healthy = false;
        try
        {
            session.BeginSnapshot();
            try
            {
                var compacted = (long)session.Command(CompactedSql).ExecuteScalar()!;
                if (revision < compacted)
                    throw StorageException.Compacted(revision, compacted);
                return read(session);
            }
            finally
            {
                session.EndSnapshot();
                healthy = true;
            }
        }
        finally
        {
            Return(session, healthy);
        }
    }

    private ReadSession Rent() =>
        _closed ? throw new StorageException(StorageErrorKind.Unavailable, "the store is closed")
        : _idle.TryTake(out var session) ? session : ReadSession.Open(connectionString);

    /// <summary>Keeps a session that finished cleanly; one that failed mid-statement (or overflows the pool) is closed.</summary>
    private void Return(ReadSession session, bool healthy)
    {
        if (!healthy || _closed || _idle.Count >= MaxIdle)
        {
            session.Dispose();
            return;
        }
        _idle.Add(session);
        // Close may have drained the pool between the check above and the add.
        if (_closed && _idle.TryTake(out var late))
            late.Dispose();
    }

    /// <summary>The latest live row of each key in [lower, upper) as of <paramref name="revision"/>; seeks the (key, revision) index rather than scanning.</summary>
    private static List<KeyValue> ReadLatestRows(ReadSession session, string lower, string? upper, long revision, int limit)
    {
        var command = LatestRowsCommand(session, "l.key, l.value, l.create_revision, l.revision", " ORDER BY l.key LIMIT $limit", lower, upper, revision);
        ReadSession.Set(command, "$limit", limit);
        var items = new List<KeyValue>();
        using var row = command.ExecuteReader();
        while (row.Read())
            items.Add(new KeyValue(row.GetString(0), LogRow.Blob(row, 1), row.GetInt64(2), row.GetInt64(3)));
        return items;
    }

    private static long CountLatestRows(ReadSession session, string lower, string? upper, long revision)
    {
        var command = LatestRowsCommand(session, "COUNT(*)", "", lower, upper, revision);
        return (long)command.ExecuteScalar()!;
    }

    private static SqliteCommand LatestRowsCommand(ReadSession session, string select, string tail, string lower, string? upper, long revision)
    {
        var command = session.Command($"""
            SELECT {select} FROM log l
            JOIN (SELECT key, MAX(revision) AS revision FROM log
                  WHERE key >= $lower {(upper is null ? "" : "AND key < $upper")} AND revision <= $revision
                  GROUP BY key) m ON l.revision = m.revision
            WHERE l.deleted = 0{tail}
            """);
        ReadSession.Set(command, "$lower", lower);
        ReadSession.Set(command, "$revision", revision);
        if (upper is not null)
            ReadSession.Set(command, "$upper", upper);
        return command;
    }
}
