using System.Net.WebSockets;
using Bosun.Streaming.Spdy;

namespace Bosun.Streaming.Channels;

/// <summary>Which streams a remote command (exec or attach) uses, as in the request's <c>stdin/stdout/stderr/tty</c>.</summary>
public sealed record RemoteCommandOptions(bool Stdin, bool Stdout, bool Stderr, bool Tty)
{
    /// <summary>With a TTY stderr is merged into stdout, and the runtime expects no stderr stream.</summary>
    public bool UsesStderr => Stderr && !Tty;
}

/// <summary>
/// Serves a WebSocket remote-command client (<c>v5.channel.k8s.io</c> or <c>v4</c>) on a SPDY <c>v4.channel.k8s.io</c>
/// connection to the runtime's streaming server. SPDY towards the runtime because containerd's WebSocket side speaks only
/// v4, which cannot carry end-of-stdin; over SPDY stdin EOF is a FIN on the stdin stream.
/// Runtime → client: stdout, stderr and the Status on the error stream, in frame order. Client → runtime: stdin,
/// resize, and (v5) the close of stdin.
/// </summary>
public sealed class WebSocketExecBridge
{
    private readonly WebSocket _client;
    private readonly SpdySession _runtime;
    private readonly RemoteCommandOptions _options;
    private readonly bool _v5;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly MemoryStream _status = new();
    private readonly TaskCompletionSource _statusDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WebSocketExecBridge(WebSocket client, string subprotocol, SpdySession runtime, RemoteCommandOptions options)
    {
        _client = client;
        _runtime = runtime;
        _options = options;
        _v5 = subprotocol == StreamProtocols.V5;
    }

    /// <summary>Runs until the runtime has sent the command's Status (or the connection broke) and the client was told.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        // The runtime waits for exactly the streams the CRI request announced, error first as client-go does.
        await _runtime.OpenStreamAsync(Headers("error"), OnStatus, ct);
        var stdin = _options.Stdin ? await _runtime.OpenStreamAsync(Headers("stdin"), null, ct) : null;
        if (_options.Stdout) await _runtime.OpenStreamAsync(Headers("stdout"), (d, _) => ForwardAsync(StreamProtocols.StdoutChannel, d), ct);
        if (_options.UsesStderr) await _runtime.OpenStreamAsync(Headers("stderr"), (d, _) => ForwardAsync(StreamProtocols.StderrChannel, d), ct);
        var resize = _options.Tty ? await _runtime.OpenStreamAsync(Headers("resize"), null, ct) : null;

        var input = PumpClientAsync(stdin, resize, ct);
        await Task.WhenAny(_statusDone.Task, _runtime.Completion, input);
        await FinishAsync(ct);
        // Wait for the client's close frame: cancelling a WebSocket receive would abort the connection (1006) instead.
        if (await Task.WhenAny(input, Task.Delay(CloseTimeout, ct)) != input) _client.Abort();
        try { await input; } catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException) { }
    }

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private static SpdyHeaders Headers(string type) => [new(StreamProtocols.StreamTypeHeader, type)];

    private async ValueTask OnStatus(ReadOnlyMemory<byte> data, bool fin)
    {
        _status.Write(data.Span);
        if (fin) _statusDone.TrySetResult();
    }

    private async ValueTask ForwardAsync(byte channel, ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty) return;
        var message = new byte[data.Length + 1];
        message[0] = channel;
        data.Span.CopyTo(message.AsSpan(1));
        await SendAsync(message, CancellationToken.None);
    }

    private async Task SendAsync(byte[] message, CancellationToken ct)
    {
        await _sendLock.WaitAsync(ct);
        try
        {
            if (_client.State == WebSocketState.Open) await _client.SendAsync(message, WebSocketMessageType.Binary, true, ct);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
        }
        finally { _sendLock.Release(); }
    }

    /// <summary>The Status (success or the exit code) on the error channel, then a normal close.</summary>
    private async Task FinishAsync(CancellationToken ct)
    {
        if (_status.Length > 0) await SendAsync([StreamProtocols.ErrorChannel, .. _status.ToArray()], ct);
        await _sendLock.WaitAsync(ct);
        try
        {
            if (_client.State == WebSocketState.Open)
                await _client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
        }
        finally { _sendLock.Release(); }
    }

    private async Task PumpClientAsync(SpdyStream? stdin, SpdyStream? resize, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        var message = new MemoryStream();
        while (_client.State is WebSocketState.Open or WebSocketState.CloseSent)
        {
            var r = await _client.ReceiveAsync(buffer, ct);
            if (r.MessageType == WebSocketMessageType.Close) break;
            message.Write(buffer, 0, r.Count);
            if (!r.EndOfMessage) continue;
            var bytes = message.ToArray();
            message.SetLength(0);
            if (bytes.Length == 0) continue;
            await DispatchAsync(bytes, stdin, resize, ct);
        }
        // The client went away without closing stdin: end it so the command can finish.
        if (stdin is not null)
        {
            try { await stdin.CloseWriteAsync(ct); }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException) { }
        }
    }

    private async Task DispatchAsync(byte[] bytes, SpdyStream? stdin, SpdyStream? resize, CancellationToken ct)
    {
        switch (bytes[0])
        {
            case StreamProtocols.StdinChannel when stdin is not null && bytes.Length > 1:
                await stdin.WriteAsync(bytes.AsMemory(1), ct);
                break;
            case StreamProtocols.ResizeChannel when resize is not null && bytes.Length > 1:
                await resize.WriteAsync(bytes.AsMemory(1), ct);
                break;
            case StreamProtocols.CloseChannel when _v5 && bytes.Length > 1 && bytes[1] == StreamProtocols.StdinChannel && stdin is not null:
                await stdin.CloseWriteAsync(ct);
                break;
        }
    }
}
