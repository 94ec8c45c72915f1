using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Bosun.Streaming.Spdy;

/// <summary>
/// A SPDY/3.1 connection as Kubernetes uses it (the spdystream subset): streams opened with SYN_STREAM and accepted with
/// SYN_REPLY, data with FIN half-close, RST_STREAM, PING echo, GOAWAY. Flow control is not enforced in either direction,
/// like spdystream, which neither sends nor waits for WINDOW_UPDATE. The client opens odd stream ids, the server even.
/// </summary>
public sealed class SpdySession : IAsyncDisposable
{
    private readonly Stream _transport;
    private readonly SpdyFramer _framer;
    private readonly bool _isClient;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<uint, SpdyStream> _streams = new();
    private readonly Channel<SpdyStream> _accepted = Channel.CreateUnbounded<SpdyStream>();
    private readonly CancellationTokenSource _stop = new();
    private readonly object _idLock = new();
    private uint _nextId;
    private Task _reader = Task.CompletedTask;

    private SpdySession(Stream transport, bool isClient)
    {
        _transport = transport;
        _framer = new SpdyFramer(transport);
        _isClient = isClient;
        _nextId = isClient ? 1u : 2u;
    }

    /// <summary>Starts a session on an upgraded connection; the read loop runs until the peer closes or GOAWAY.</summary>
    public static SpdySession Start(Stream transport, bool isClient)
    {
        var s = new SpdySession(transport, isClient);
        s._reader = Task.Run(() => s.ReadLoopAsync(s._stop.Token));
        return s;
    }

    /// <summary>Completes when the connection has ended (all streams are then ended too).</summary>
    public Task Completion => _reader;

    /// <summary>
    /// Opens a stream. Data from the peer goes to <paramref name="receiver"/> (called on the read loop, in frame order;
    /// the final call has fin=true) or, without one, to <see cref="SpdyStream.ReadAllAsync"/>.
    /// </summary>
    public async Task<SpdyStream> OpenStreamAsync(SpdyHeaders headers, Func<ReadOnlyMemory<byte>, bool, ValueTask>? receiver = null,
        CancellationToken ct = default)
    {
        uint id;
        lock (_idLock)
        {
            id = _nextId;
            _nextId += 2;
        }
        var stream = new SpdyStream(this, id, headers, receiver);
        _streams[id] = stream;
        await SendAsync(new SpdySynStream(id, 0, 0, false, false, headers), ct);
        return stream;
    }

    /// <summary>The next stream the peer opened (already answered with SYN_REPLY), or null once the connection ended.</summary>
    public async Task<SpdyStream?> AcceptStreamAsync(CancellationToken ct = default)
    {
        try { return await _accepted.Reader.ReadAsync(ct); }
        catch (ChannelClosedException) { return null; }
    }

    internal async Task SendAsync(SpdyFrame frame, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct);
        try { await _framer.WriteAsync(frame, ct); }
        finally { _writeLock.Release(); }
    }

    private async Task ReadLoopAsync(CancellationToken ct)
    {
        try
        {
            while (await _framer.ReadAsync(ct) is { } frame)
                if (!await HandleAsync(frame, ct)) break;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
        {
            // The connection ended or broke; streams are ended below either way.
        }
        finally
        {
            foreach (var s in _streams.Values) await s.EndRemoteAsync();
            _accepted.Writer.TryComplete();
        }
    }

    private async Task<bool> HandleAsync(SpdyFrame frame, CancellationToken ct)
    {
        switch (frame)
        {
            case SpdyDataFrame d when _streams.TryGetValue(d.StreamId, out var s):
                await s.DeliverAsync(d.Data, d.Fin);
                break;
            case SpdySynStream syn:
                var accepted = new SpdyStream(this, syn.StreamId, syn.Headers, null);
                _streams[syn.StreamId] = accepted;
                await SendAsync(new SpdySynReply(syn.StreamId, false, []), ct);
                accepted.MarkReplied();
                if (syn.Fin) accepted.EndRemote();
                _accepted.Writer.TryWrite(accepted);
                break;
            case SpdySynReply reply when _streams.TryGetValue(reply.StreamId, out var s):
                s.MarkReplied();
                if (reply.Fin) await s.EndRemoteAsync();
                break;
            case SpdyRstStream rst when _streams.TryGetValue(rst.StreamId, out var s):
                await s.EndRemoteAsync();
                break;
            case SpdyPing ping when (ping.Id % 2 == 1) != _isClient:
                await SendAsync(ping, ct);   // the peer's ping: echo it
                break;
            case SpdyGoAway:
                return false;
        }
        return true;
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync();
        await _transport.DisposeAsync();
        try { await _reader; } catch (Exception) { /* ended */ }
        _framer.Dispose();
        _stop.Dispose();
    }
}
