using System.Diagnostics;
using System.Runtime.CompilerServices;
using Bosun.Storage;

namespace Bosun.ApiServer;

/// <summary>Times every storage operation into <see cref="Metrics.StorageDuration"/>; otherwise a pass-through.</summary>
internal sealed class InstrumentedStore(IKeyValueStore inner) : IKeyValueStore
{
    public long CompactedRevision => inner.CompactedRevision;

    public Task<long> CurrentRevisionAsync(CancellationToken ct) => inner.CurrentRevisionAsync(ct);

    public Task<KeyValue?> GetAsync(string key, CancellationToken ct) => Timed("get", inner.GetAsync(key, ct));

    public Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct) => Timed("list", inner.RangeAsync(request, ct));

    public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct) => Timed("create", inner.CreateAsync(key, value, ct));

    public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct) =>
        Timed("update", inner.UpdateAsync(key, value, expectedModRevision, ct));

    public Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct) =>
        Timed("delete", inner.DeleteAsync(key, expectedModRevision, ct));

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken ct) =>
        inner.WatchAsync(prefix, afterRevision, ct);

    public Task CompactAsync(long revision, CancellationToken ct) => Timed("compact", inner.CompactAsync(revision, ct));

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static async Task<T> Timed<T>(string operation, Task<T> task, [CallerMemberName] string _ = "")
    {
        var start = Stopwatch.GetTimestamp();
        try { return await task; }
        finally { Metrics.StorageDuration.WithLabels(operation).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds); }
    }

    private static async Task Timed(string operation, Task task)
    {
        var start = Stopwatch.GetTimestamp();
        try { await task; }
        finally { Metrics.StorageDuration.WithLabels(operation).Observe(Stopwatch.GetElapsedTime(start).TotalSeconds); }
    }
}
