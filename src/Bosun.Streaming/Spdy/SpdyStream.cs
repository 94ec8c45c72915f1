using System.Threading.Channels;

namespace Bosun.Streaming.Spdy;

/// <summary>
/// One SPDY stream of a <see cref="SpdySession"/>. Received data goes either to a receiver callback, called in frame order
/// on the session's read loop (so output of several streams keeps its relative order), or to a queue read with
/// <see cref="ReadAllAsync"/>.
/// </summary>
public sealed class SpdyStream
{
    /// <summary>Keeps frames well under the 16 MiB SPDY limit and the 64 KiB initial window peers expect.</summary>
    private const int MaxChunk = 32 * 1024;

    private readonly SpdySession _session;
    private readonly Func<ReadOnlyMemory<byte>, bool, ValueTask>? _receiver;
    private readonly Channel<ReadOnlyMemory<byte>> _queue = Channel.CreateUnbounded<ReadOnlyMemory<byte>>();
    private readonly TaskCompletionSource _replied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _remoteClosed;
    private bool _localClosed;

    internal SpdyStream(SpdySession session, uint id, SpdyHeaders headers, Func<ReadOnlyMemory<byte>, bool, ValueTask>? receiver)
    {
        _session = session;
        Id = id;
        Headers = headers;
        _receiver = receiver;
    }

    public uint Id { get; }

    /// <summary>The headers of the SYN_STREAM that opened this stream.</summary>
    public SpdyHeaders Headers { get; }

    /// <summary>Completes when the peer answers our SYN_STREAM with SYN_REPLY (or at once for streams the peer opened).</summary>
    public Task Replied => _replied.Task;

    /// <summary>Data from the peer until it half-closes (FIN), resets the stream, or the connection ends.</summary>
    public IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllAsync(CancellationToken ct = default) => _queue.Reader.ReadAllAsync(ct);

    public async Task WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        if (_localClosed) throw new InvalidOperationException($"SPDY stream {Id} is closed for writing");
        for (var at = 0; at < data.Length; at += MaxChunk)
            await _session.SendAsync(new SpdyDataFrame(Id, false, data.Slice(at, Math.Min(MaxChunk, data.Length - at))), ct);
    }

    /// <summary>Half-closes our side (an empty data frame with FIN): for stdin this is end-of-file.</summary>
    public async Task CloseWriteAsync(CancellationToken ct = default)
    {
        if (_localClosed) return;
        _localClosed = true;
        await _session.SendAsync(new SpdyDataFrame(Id, true, ReadOnlyMemory<byte>.Empty), ct);
    }

    internal void MarkReplied() => _replied.TrySetResult();

    internal async ValueTask DeliverAsync(ReadOnlyMemory<byte> data, bool fin)
    {
        if (_remoteClosed) return;
        if (_receiver is not null) await _receiver(data, fin);
        else if (!data.IsEmpty) _queue.Writer.TryWrite(data);
        if (fin) EndRemote();
    }

    /// <summary>The peer is done sending (FIN, reset, or the connection ended).</summary>
    internal void EndRemote()
    {
        if (_remoteClosed) return;
        _remoteClosed = true;
        _queue.Writer.TryComplete();
        _replied.TrySetResult();
    }

    internal async ValueTask EndRemoteAsync()
    {
        if (_remoteClosed) return;
        if (_receiver is not null) await _receiver(ReadOnlyMemory<byte>.Empty, true);
        EndRemote();
    }
}
