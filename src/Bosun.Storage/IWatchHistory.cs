namespace Bosun.Storage;

/// <summary>What <see cref="WatchStream"/> needs from a backend: its compacted revision and a page of past events.</summary>
internal interface IWatchHistory
{
    long CompactedRevision { get; }

    /// <summary>
    /// Up to <paramref name="max"/> events under <paramref name="prefix"/> with revisions in
    /// (<paramref name="after"/>, <paramref name="upTo"/>], in revision order. Throws
    /// <see cref="StorageErrorKind.Compacted"/> when events after <paramref name="after"/> may already be gone.
    /// </summary>
    ValueTask<IReadOnlyList<WatchEvent>> ReadHistoryAsync(string prefix, long after, long upTo, int max, CancellationToken ct);
}
