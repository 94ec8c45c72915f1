namespace Bosun.ApiServer.Watch;

/// <summary>What the <see cref="WatchCache"/> fans events out to: an HTTP watcher or one of the server's own controllers.</summary>
internal interface ICacheSubscriber
{
    /// <summary>Called under the cache lock, in revision order; must not block.</summary>
    void Offer(CachedEvent e);

    /// <summary>The cache lost events: the subscriber's stream ends and its reader must relist.</summary>
    void Close();
}
