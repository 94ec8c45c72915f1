using System.Threading.Channels;
using Bosun.Storage;

namespace Bosun.ApiServer.Watch;

/// <summary>
/// Storage changes as they are (key, old and new bytes) for a controller inside the server: no decoding under the
/// cache lock. Like an HTTP watcher, a feed that falls <c>capacity</c> events behind is closed, and its reader relists.
/// </summary>
internal sealed class ChangeFeed(Func<string, bool> interested, long fromRevision, int capacity) : ICacheSubscriber, IDisposable
{
    private readonly Channel<WatchEvent> queue = Channel.CreateBounded<WatchEvent>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });

    internal Action<ICacheSubscriber>? OnDispose { get; set; }

    public ChannelReader<WatchEvent> Reader => queue.Reader;

    public void Offer(CachedEvent e)
    {
        // The cache may not have dispatched the listed revision yet: what the list already showed is not news.
        if (e.Revision <= fromRevision || !interested(e.Key)) return;
        if (!queue.Writer.TryWrite(e.Change)) queue.Writer.TryComplete();
    }

    public void Close() => queue.Writer.TryComplete();

    public void Dispose()
    {
        queue.Writer.TryComplete();
        OnDispose?.Invoke(this);
    }
}
