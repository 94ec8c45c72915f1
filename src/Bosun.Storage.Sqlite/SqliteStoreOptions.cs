namespace Bosun.Storage.Sqlite;

/// <summary>Tuning for <see cref="SqliteStore"/>; the defaults suit an API server.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>Events buffered per watcher before it is dropped as too slow.</summary>
    public int WatchBufferSize { get; init; } = 10_000;

    /// <summary>How long a connection waits for a lock held by another process before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most writes committed in one transaction by the group-commit loop.</summary>
    public int MaxBatchSize { get; init; } = 1000;

    /// <summary>Most rows deleted per compaction transaction, so writes wait at most one short batch.</summary>
    public int CompactionBatchSize { get; init; } = 1000;

    /// <summary>
    /// Rows committed between two WAL checkpoints, which run on their own connection and thread instead of inside the
    /// writer's commits. A few pages per row, so about SQLite's default of 1000 pages.
    /// </summary>
    public int RowsPerCheckpoint { get; init; } = 300;

    /// <summary>
    /// WAL size in pages (4 KiB) past which the writer finishes a background checkpoint itself so the WAL starts over,
    /// which bounds the WAL file to about this size under sustained writes (see <see cref="WalCheckpointer"/>).
    /// </summary>
    public int WalRestartPages { get; init; } = 8192;
}
