using System.Collections.Concurrent;
using Bosun.Client;

namespace Bosun.Controllers.Common;

/// <summary>
/// Upstream's ControllerExpectations: how many creations and deletions a controller has asked for and not yet seen in
/// its cache. While any are outstanding the controller must not act on its (stale) pod count, or it would create or
/// delete twice. Expectations expire after five minutes so that a lost watch event cannot wedge a controller forever.
/// </summary>
internal sealed class Expectations(TimeProvider time)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<ObjectKey, Entry> entries = new();

    /// <summary>Outstanding work for one key. Deletions are tracked by uid, not counted: a graceful delete is seen twice (deletionTimestamp, then removal).</summary>
    private sealed class Entry(int adds, IEnumerable<string> deletes, DateTimeOffset at)
    {
        public int Adds = adds;
        public readonly HashSet<string> Deletes = [.. deletes];
        public readonly DateTimeOffset At = at;
    }

    public bool AreSatisfied(ObjectKey key)
    {
        if (!entries.TryGetValue(key, out var e)) return true;
        bool none;
        lock (e.Deletes) none = e.Deletes.Count == 0;
        return (Volatile.Read(ref e.Adds) <= 0 && none) || time.GetUtcNow() - e.At > Ttl;
    }

    public void ExpectCreations(ObjectKey key, int adds) => entries[key] = new Entry(adds, [], time.GetUtcNow());

    public void ExpectDeletions(ObjectKey key, IEnumerable<string> uids) => entries[key] = new Entry(0, uids, time.GetUtcNow());

    public void CreationObserved(ObjectKey key)
    {
        if (entries.TryGetValue(key, out var e)) Interlocked.Decrement(ref e.Adds);
    }

    /// <summary>A pod of <paramref name="key"/> was seen deleted or terminating; also used when a delete fails.</summary>
    public void DeletionObserved(ObjectKey key, string uid)
    {
        if (entries.TryGetValue(key, out var e)) lock (e.Deletes) e.Deletes.Remove(uid);
    }

    /// <summary>Creations that failed or were skipped will never be observed: stop waiting for them.</summary>
    public void LowerCreations(ObjectKey key, int adds)
    {
        if (entries.TryGetValue(key, out var e)) Interlocked.Add(ref e.Adds, -adds);
    }

    public void Forget(ObjectKey key) => entries.TryRemove(key, out _);
}
