namespace Bosun.Storage;

/// <summary>The closed set of storage failures; the API server maps each to one HTTP status.</summary>
public enum StorageErrorKind
{
    NotFound,
    Exists,
    Conflict,
    /// <summary>The requested revision is older than the compacted revision (HTTP 410 Expired).</summary>
    Compacted,
    /// <summary>A watcher fell too far behind and was dropped; it should resume from its last revision.</summary>
    WatchTooSlow,
    /// <summary>The store is closed or broken.</summary>
    Unavailable,
}

public sealed class StorageException(StorageErrorKind kind, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public StorageErrorKind Kind { get; } = kind;

    /// <summary>For <see cref="StorageErrorKind.Compacted"/>: the store's compacted revision.</summary>
    public long CompactedRevision { get; init; }

    public static StorageException Exists(string key) => new(StorageErrorKind.Exists, $"key {key} already exists");

    public static StorageException Compacted(long requested, long compacted) =>
        new(StorageErrorKind.Compacted, $"revision {requested} has been compacted (oldest available: {compacted})")
        { CompactedRevision = compacted };

    public static StorageException TooSlow(string prefix) =>
        new(StorageErrorKind.WatchTooSlow, $"watcher on {prefix} fell too far behind and was dropped");
}
