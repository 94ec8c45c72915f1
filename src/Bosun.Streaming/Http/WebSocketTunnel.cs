using System.Net.WebSockets;

namespace Bosun.Streaming.Http;

/// <summary>
/// Relays a byte stream through WebSocket binary messages both ways, ignoring message boundaries (kubectl ≥ 1.31's
/// port-forward tunnel: the messages carry a SPDY connection, arbitrarily chunked). Ends when either side ends.
/// </summary>
public static class WebSocketTunnel
{
    public static async Task RunAsync(WebSocket ws, Stream other, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var fromClient = FromWebSocketAsync(ws, other, cts.Token);
        var toClient = ToWebSocketAsync(other, ws, cts.Token);
        await Task.WhenAny(fromClient, toClient);
        if (ws.State == WebSocketState.Open)
        {
            try { await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, ct); }
            catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException) { }
        }
        // The session is over either way; a pending WebSocket receive can only be ended by aborting.
        await cts.CancelAsync();
        await other.DisposeAsync();
        ws.Abort();
        try { await Task.WhenAll(fromClient, toClient); } catch (Exception) { /* the direction that was cut */ }
    }

    private static async Task FromWebSocketAsync(WebSocket ws, Stream to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            while (true)
            {
                var r = await ws.ReceiveAsync(buffer, ct);
                if (r.MessageType == WebSocketMessageType.Close) return;
                if (r.Count == 0) continue;
                await to.WriteAsync(buffer.AsMemory(0, r.Count), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private static async Task ToWebSocketAsync(Stream from, WebSocket ws, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, ct)) > 0)
                await ws.SendAsync(buffer.AsMemory(0, n), WebSocketMessageType.Binary, endOfMessage: true, ct);
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
