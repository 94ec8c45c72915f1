using System.Collections.Concurrent;
using Bosun.Storage;

namespace Bosun.Integration.Tests;

/// <summary>A pass-through store that records every read (a get's key, a list's prefix), to show what a server reads while idle.</summary>
public sealed class ReadRecordingStore(IKeyValueStore inner) : IKeyValueStore
{
    private readonly ConcurrentQueue<string> reads = new();

    /// <summary>The reads since the last <see cref="Clear"/>, as <c>get KEY</c> or <c>list PREFIX</c>.</summary>
    public IReadOnlyList<string> Reads => reads.ToArray();

    public void Clear() => reads.Clear();

    public long CompactedRevision => inner.CompactedRevision;

    public Task<long> CurrentRevisionAsync(CancellationToken ct) => inner.CurrentRevisionAsync(ct);

    public Task<KeyValue?> GetAsync(string key, CancellationToken ct)
    {
        reads.Enqueue("get " + key);
        return inner.GetAsync(key, ct);
    }

    public Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct)
    {
        reads.Enqueue("list " + request.Prefix);
        return inner.RangeAsync(request, ct);
    }

    public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct) => inner.CreateAsync(key, value, ct);

    public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct) =>
        inner.UpdateAsync(key, value, expectedModRevision, ct);

    public Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct) => inner.DeleteAsync(key, expectedModRevision, ct);

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken ct) => inner.WatchAsync(prefix, afterRevision, ct);

    public Task CompactAsync(long revision, CancellationToken ct) => inner.CompactAsync(revision, ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
