namespace Bosun.Storage;

/// <summary>
/// A revisioned key-value store with watch: everything the API server needs from a database, with etcd semantics.
/// </summary>
/// <remarks>
/// <para>One global revision counter. A new, empty store reports revision 1; every successful write (create,
/// update, delete) takes the next revision, so revisions strictly increase across the whole store and never repeat,
/// also across restarts.</para>
/// <para>Each key carries its <see cref="KeyValue.CreateRevision"/> (the revision that created it) and
/// <see cref="KeyValue.ModRevision"/> (the revision of its last write). Compare-and-swap compares the mod revision.</para>
/// <para>Implementations must pass the storage conformance suite (<c>Bosun.Storage.Conformance</c>).</para>
/// </remarks>
public interface IKeyValueStore : IAsyncDisposable
{
    /// <summary>The revision of the last write (1 for an empty store).</summary>
    Task<long> CurrentRevisionAsync(CancellationToken ct);

    /// <summary>The oldest revision that reads and watches can still ask for; older ones throw <see cref="StorageErrorKind.Compacted"/>.</summary>
    long CompactedRevision { get; }

    /// <summary>The latest value of <paramref name="key"/>, or null when it does not exist.</summary>
    Task<KeyValue?> GetAsync(string key, CancellationToken ct);

    /// <summary>
    /// Keys starting with <see cref="RangeRequest.Prefix"/> (and at or after <see cref="RangeRequest.StartKey"/>),
    /// in ordinal key order, as they were at <see cref="RangeRequest.Revision"/> (0 = now).
    /// Throws <see cref="StorageErrorKind.Compacted"/> when that revision has been compacted away.
    /// </summary>
    Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct);

    /// <summary>Creates <paramref name="key"/> if absent and returns the new revision; throws <see cref="StorageErrorKind.Exists"/> otherwise.</summary>
    Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct);

    /// <summary>
    /// Replaces the value if the key exists and its mod revision equals <paramref name="expectedModRevision"/>.
    /// On failure nothing changes and <see cref="WriteResult.Current"/> holds the current value (null when the key is absent),
    /// so callers can retry without another read.
    /// </summary>
    Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct);

    /// <summary>
    /// Deletes the key if it exists and its mod revision equals <paramref name="expectedModRevision"/>
    /// (0 = whatever it is). Same failure contract as <see cref="UpdateAsync"/>.
    /// </summary>
    Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct);

    /// <summary>
    /// Every change under <paramref name="prefix"/> with a revision greater than <paramref name="afterRevision"/>,
    /// in revision order, with no gaps and no duplicates: first the history, then live changes.
    /// Throws <see cref="StorageErrorKind.Compacted"/> when <paramref name="afterRevision"/> is older than
    /// <see cref="CompactedRevision"/>, and <see cref="StorageErrorKind.WatchTooSlow"/> when the consumer fell
    /// so far behind that the store dropped it (resume from the last revision seen).
    /// </summary>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken ct);

    /// <summary>
    /// Forgets history up to <paramref name="revision"/>: superseded values and tombstones at or below it are removed,
    /// the latest value of each live key is kept. Compacting to an older revision than before is a no-op.
    /// </summary>
    Task CompactAsync(long revision, CancellationToken ct);
}
