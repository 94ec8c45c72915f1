using System.Threading.Channels;

namespace Bosun.Storage;

/// <summary>
/// One watcher's bounded buffer of live events. The broadcaster only ever offers without waiting,
/// so a slow consumer costs the writer nothing: when the buffer is full the subscription is failed instead.
/// </summary>
internal sealed class WatchSubscription : IDisposable
{
    private readonly WatchBroadcaster _owner;
    private readonly Channel<WatchEvent> _channel;

    public WatchSubscription(WatchBroadcaster owner, string prefix, long startRevision, int capacity)
    {
        _owner = owner;
        Prefix = prefix;
        StartRevision = startRevision;
        _channel = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
    }

    public string Prefix { get; }

    /// <summary>The last revision published before this subscription started; later events arrive through <see cref="Reader"/>.</summary>
    public long StartRevision { get; }

    public ChannelReader<WatchEvent> Reader => _channel.Reader;

    /// <summary>Buffers the event if it matches; false when the buffer is full.</summary>
    public bool Offer(WatchEvent e) =>
        !e.Kv.Key.StartsWith(Prefix, StringComparison.Ordinal) || _channel.Writer.TryWrite(e);

    public void Fail(Exception error) => _channel.Writer.TryComplete(error);

    public void Dispose()
    {
        _owner.Unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}
