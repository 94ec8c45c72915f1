using Bosun.ApiServer.Registry;
using Bosun.Storage;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Watch;

/// <summary>
/// The server's single watch on storage, fanned out to every HTTP watcher. Each storage event is decoded once per
/// resource version and offered to subscribers under one lock; queues are bounded and a full queue closes its
/// watcher, so a slow client never stalls the server or other watchers. Recent history is kept in a ring so
/// watches can resume from a recent resourceVersion; older resumes fall back to storage.
/// </summary>
internal sealed partial class WatchCache(IKeyValueStore storage, ILogger<WatchCache> logger, int historySize = 4096) : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly Queue<CachedEvent> history = new();
    private readonly List<ICacheSubscriber> subscribers = [];
    private readonly CancellationTokenSource stopping = new();
    private Task? loop;
    private long oldestAvailable;
    private long latest;

    /// <summary>The newest revision every subscriber has been offered.</summary>
    public long LatestRevision => Volatile.Read(ref latest);

    public int WatcherCount
    {
        get { lock (gate) return subscribers.Count; }
    }

    public async Task StartAsync(CancellationToken ct)
    {
        var start = await storage.CurrentRevisionAsync(ct);
        oldestAvailable = latest = start;
        loop = Task.Run(() => RunAsync(start, stopping.Token), CancellationToken.None);
    }

    /// <summary>
    /// Subscribes to changes after <paramref name="fromRevision"/>; null when that revision is older than the cached
    /// history (the caller then watches storage directly).
    /// </summary>
    public WatchSubscription? Subscribe(ResourceRegistration reg, string prefix, ObjectFilter filter, long fromRevision, int capacity = 1024)
    {
        lock (gate)
        {
            if (fromRevision < oldestAvailable) return null;
            var sub = new WatchSubscription(reg, prefix, filter, capacity + history.Count, fromRevision) { OnDispose = Remove };
            foreach (var e in history)
            {
                if (e.Revision <= fromRevision) continue;
                sub.Offer(e);
                e.Trim();
            }
            subscribers.Add(sub);
            Metrics.Watchers.Set(subscribers.Count);
            return sub;
        }
    }

    /// <summary>
    /// The raw changes after <paramref name="fromRevision"/> to keys <paramref name="interested"/> accepts (checked
    /// under the cache lock, so it must be cheap), for the server's own controllers; null when that revision is older
    /// than the cached history (the caller relists).
    /// </summary>
    public ChangeFeed? Follow(Func<string, bool> interested, long fromRevision, int capacity = 100_000)
    {
        lock (gate)
        {
            if (fromRevision < oldestAvailable) return null;
            var feed = new ChangeFeed(interested, fromRevision, capacity + history.Count) { OnDispose = Remove };
            foreach (var e in history) feed.Offer(e);
            subscribers.Add(feed);
            return feed;
        }
    }

    private void Remove(ICacheSubscriber sub)
    {
        lock (gate)
        {
            subscribers.Remove(sub);
            Metrics.Watchers.Set(subscribers.Count);
        }
    }

    private async Task RunAsync(long from, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in storage.WatchAsync("/registry/", from, ct))
                {
                    Dispatch(new CachedEvent(change));
                    from = change.Revision;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.WatchTooSlow)
            {
                Log.Resuming(logger, from);
            }
            catch (Exception e)
            {
                // Events may be lost: every watcher must relist, so close them all and restart from now.
                Log.WatchFailed(logger, e);
                from = await ResetAsync(ct);
            }
        }
    }

    private void Dispatch(CachedEvent e)
    {
        lock (gate)
        {
            foreach (var sub in subscribers) sub.Offer(e);
            e.Trim();
            history.Enqueue(e);
            if (history.Count > historySize) oldestAvailable = history.Dequeue().Revision;
            Volatile.Write(ref latest, e.Revision);
        }
    }

    private async Task<long> ResetAsync(CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        var now = await storage.CurrentRevisionAsync(ct);
        lock (gate)
        {
            foreach (var sub in subscribers) sub.Close();
            history.Clear();
            oldestAvailable = latest = now;
        }
        return now;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (loop is not null) await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (gate)
        {
            foreach (var sub in subscribers) sub.Close();
        }
        stopping.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Watch cache fell behind storage; resuming from revision {Revision}")]
        public static partial void Resuming(ILogger logger, long revision);

        [LoggerMessage(Level = LogLevel.Error, Message = "Watch cache lost its storage watch; closing all watchers")]
        public static partial void WatchFailed(ILogger logger, Exception e);
    }
}
