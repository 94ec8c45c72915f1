namespace Bosun.Storage.Memory;

/// <summary>
/// An in-memory <see cref="IKeyValueStore"/> for unit tests and single-process use: a revision log for watch replay
/// plus per-key version lists in ordinal key order. One lock serialises everything; it behaves like the SQLite
/// store down to the first revision number.
/// </summary>
public sealed class MemoryStore : IKeyValueStore, IWatchHistory
{
    private const long InitialRevision = 1;

    private readonly Lock _gate = new();
    private readonly List<WatchEvent> _log = [];
    private readonly SortedSet<string> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KeyHistory> _histories = new(StringComparer.Ordinal);
    private readonly WatchBroadcaster _broadcaster;
    private long _revision = InitialRevision;
    private long _compacted;

    public MemoryStore(MemoryStoreOptions? options = null)
    {
        _broadcaster = new WatchBroadcaster(InitialRevision, (options ?? new MemoryStoreOptions()).WatchBufferSize);
    }

    public long CompactedRevision
    {
        get { lock (_gate) return _compacted; }
    }

    public Task<long> CurrentRevisionAsync(CancellationToken ct)
    {
        lock (_gate)
            return Task.FromResult(_revision);
    }

    public Task<KeyValue?> GetAsync(string key, CancellationToken ct)
    {
        lock (_gate)
            return Task.FromResult(_histories.GetValueOrDefault(key)?.Latest);
    }

    public Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct)
    {
        lock (_gate)
        {
            var revision = request.Revision == 0 ? _revision : request.Revision;
            if (revision < _compacted)
                throw StorageException.Compacted(revision, _compacted);
            return Task.FromResult(Range(request, revision));
        }
    }

    public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct)
    {
        lock (_gate)
        {
            var current = _histories.GetValueOrDefault(key)?.Latest;
            if (current is not null)
                throw StorageException.Exists(key);
            var revision = _revision + 1;
            Append(new WatchEvent(WatchEventType.Put, new KeyValue(key, value.ToArray(), revision, revision), null));
            return Task.FromResult(revision);
        }
    }

    public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct)
    {
        lock (_gate)
        {
            var current = _histories.GetValueOrDefault(key)?.Latest;
            if (current is null || current.ModRevision != expectedModRevision)
                return Task.FromResult(new WriteResult(false, _revision, current));
            var revision = _revision + 1;
            var kv = new KeyValue(key, value.ToArray(), current.CreateRevision, revision);
            Append(new WatchEvent(WatchEventType.Put, kv, current));
            return Task.FromResult(new WriteResult(true, revision, kv));
        }
    }

    public Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct)
    {
        lock (_gate)
        {
            var current = _histories.GetValueOrDefault(key)?.Latest;
            if (current is null || (expectedModRevision != 0 && current.ModRevision != expectedModRevision))
                return Task.FromResult(new WriteResult(false, _revision, current));
            var revision = _revision + 1;
            Append(new WatchEvent(WatchEventType.Delete, current with { ModRevision = revision }, current));
            return Task.FromResult(new WriteResult(true, revision, null));
        }
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken ct) =>
        WatchStream.RunAsync(_broadcaster, this, prefix, afterRevision, ct);

    public Task CompactAsync(long revision, CancellationToken ct)
    {
        lock (_gate)
        {
            revision = Math.Min(revision, _revision);
            if (revision <= _compacted)
                return Task.CompletedTask;
            _compacted = revision;
            CompactKeys(revision);
            _log.RemoveRange(0, CountAtOrBelow(revision));
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _broadcaster.Close();
        return ValueTask.CompletedTask;
    }

    ValueTask<IReadOnlyList<WatchEvent>> IWatchHistory.ReadHistoryAsync(
        string prefix, long after, long upTo, int max, CancellationToken ct)
    {
        lock (_gate)
        {
            if (after < _compacted)
                throw StorageException.Compacted(after, _compacted);
            var page = new List<WatchEvent>();
            for (var i = CountAtOrBelow(after); i < _log.Count && page.Count < max; i++)
            {
                var e = _log[i];
                if (e.Revision > upTo)
                    break;
                if (e.Kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                    page.Add(e);
            }
            return ValueTask.FromResult<IReadOnlyList<WatchEvent>>(page);
        }
    }

    /// <summary>Records a write under the lock and publishes it there too, so events leave in revision order.</summary>
    private void Append(WatchEvent e)
    {
        var key = e.Kv.Key;
        if (!_histories.TryGetValue(key, out var history))
        {
            history = new KeyHistory();
            _histories.Add(key, history);
            _keys.Add(key);
        }
        history.Add(new KeyVersion(e.Revision, e.Type == WatchEventType.Delete ? null : e.Kv));
        _log.Add(e);
        _revision = e.Revision;
        _broadcaster.Publish([e]);
    }

    private RangeResult Range(RangeRequest request, long revision)
    {
        var items = new List<KeyValue>();
        long remaining = 0;
        foreach (var key in KeysFrom(KeyRange.LowerBound(request.Prefix, request.StartKey), KeyRange.PrefixEnd(request.Prefix)))
        {
            var kv = _histories[key].At(revision);
            if (kv is null)
                continue;
            if (request.Limit > 0 && items.Count == request.Limit)
                remaining++;
            else
                items.Add(kv);
        }
        return new RangeResult(items, revision, remaining > 0, remaining);
    }

    private IEnumerable<string> KeysFrom(string lower, string? upperExclusive)
    {
        if (_keys.Count == 0 || string.CompareOrdinal(lower, _keys.Max) > 0)
            return [];
        var view = _keys.GetViewBetween(lower, _keys.Max!);
        return upperExclusive is null ? view : view.TakeWhile(k => string.CompareOrdinal(k, upperExclusive) < 0);
    }

    private void CompactKeys(long revision)
    {
        var emptied = new List<string>();
        foreach (var (key, history) in _histories)
        {
            history.Compact(revision);
            if (history.IsEmpty)
                emptied.Add(key);
        }
        foreach (var key in emptied)
        {
            _histories.Remove(key);
            _keys.Remove(key);
        }
    }

    /// <summary>How many log entries have a revision at or below <paramref name="revision"/> (the log is sorted).</summary>
    private int CountAtOrBelow(long revision)
    {
        int lo = 0, hi = _log.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_log[mid].Revision <= revision)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo;
    }
}
