namespace Bosun.Storage;

/// <summary>
/// Fans committed events out to watchers. Publishing and subscribing share one lock, so a new subscriber
/// knows exactly which revision its live stream starts after and can fill the gap from history.
/// </summary>
internal sealed class WatchBroadcaster(long initialRevision, int bufferSize)
{
    private readonly Lock _gate = new();
    private readonly List<WatchSubscription> _subscribers = [];
    private long _lastPublished = initialRevision;
    private bool _closed;

    public WatchSubscription Subscribe(string prefix)
    {
        lock (_gate)
        {
            if (_closed)
                throw new StorageException(StorageErrorKind.Unavailable, "the store is closed");
            var subscription = new WatchSubscription(this, prefix, _lastPublished, bufferSize);
            _subscribers.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Publishes committed events, in revision order. Never waits for a subscriber: a full one is dropped.</summary>
    public void Publish(IReadOnlyList<WatchEvent> events)
    {
        if (events.Count == 0)
            return;
        lock (_gate)
        {
            foreach (var e in events)
                Offer(e);
            _lastPublished = events[^1].Revision;
        }
    }

    public void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
            _subscribers.Remove(subscription);
    }

    /// <summary>Ends every watch with <see cref="StorageErrorKind.Unavailable"/>; used when the store is disposed.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            foreach (var subscription in _subscribers)
                subscription.Fail(new StorageException(StorageErrorKind.Unavailable, "the store was closed"));
            _subscribers.Clear();
        }
    }

    private void Offer(WatchEvent e)
    {
        for (var i = _subscribers.Count - 1; i >= 0; i--)
        {
            var subscription = _subscribers[i];
            if (subscription.Offer(e))
                continue;
            _subscribers.RemoveAt(i);
            subscription.Fail(StorageException.TooSlow(subscription.Prefix));
        }
    }
}
