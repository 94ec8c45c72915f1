using System.Threading.Channels;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Watch;

/// <summary>
/// One watcher's view of the cache: its resource, namespace prefix and filter, and a bounded queue of events.
/// A watcher whose queue is full is closed rather than waited for; the client resumes from its last revision.
/// </summary>
internal sealed class WatchSubscription(ResourceRegistration reg, string prefix, ObjectFilter filter, int capacity, long fromRevision = 0)
    : ICacheSubscriber, IDisposable
{
    private readonly Channel<WatchItem> queue = Channel.CreateBounded<WatchItem>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    internal Action<ICacheSubscriber>? OnDispose { get; set; }

    public ResourceRegistration Registration => reg;
    public string Prefix => prefix;
    public ObjectFilter Filter => filter;
    public ChannelReader<WatchItem> Reader => queue.Reader;

    /// <summary>True when the watcher was closed for being too slow.</summary>
    public bool Dropped { get; private set; }

    /// <summary>Decides what this watcher sees of a change (called under the cache lock) and queues it.</summary>
    public void Offer(CachedEvent e)
    {
        // A watch from a list's revision can start before the cache has dispatched that revision: the client has seen
        // those changes already, and an older one would roll its copy back.
        if (Dropped || e.Revision <= fromRevision || !e.Key.StartsWith(prefix, StringComparison.Ordinal)) return;
        var item = Decide(e);
        if (item is null) return;
        if (!queue.Writer.TryWrite(item.Value))
        {
            Dropped = true;
            queue.Writer.TryComplete();
        }
    }

    private WatchItem? Decide(CachedEvent e)
    {
        if (filter.IsEverything)
        {
            var type = e.Type == Storage.WatchEventType.Delete ? "DELETED" : e.IsCreate ? "ADDED" : "MODIFIED";
            return new WatchItem(type, e.Revision, e.CurrentJson(reg));
        }
        var previous = e.Previous(reg);
        var wasMatching = previous is not null && filter.Matches(previous);
        if (e.Type == Storage.WatchEventType.Delete)
            return wasMatching ? new WatchItem("DELETED", e.Revision, e.CurrentJson(reg)) : null;
        var matches = filter.Matches(e.Current(reg));
        return (wasMatching, matches) switch
        {
            (true, true) => new WatchItem("MODIFIED", e.Revision, e.CurrentJson(reg)),
            (false, true) => new WatchItem("ADDED", e.Revision, e.CurrentJson(reg)),
            (true, false) => new WatchItem("DELETED", e.Revision, e.PreviousJson(reg)!),
            _ => null,
        };
    }

    public void Close() => queue.Writer.TryComplete();

    public void Dispose()
    {
        queue.Writer.TryComplete();
        OnDispose?.Invoke(this);
    }
}
