using Bosun.Streaming.Channels;
using Microsoft.AspNetCore.Http;

namespace Bosun.Agent.Server;

/// <summary>What kind of upgrade a client asked for on an exec/attach/port-forward URL.</summary>
internal enum ClientTransport { None, WebSocket, Spdy }

internal static class StreamRequest
{
    public static ClientTransport Transport(HttpContext ctx) =>
        ctx.WebSockets.IsWebSocketRequest ? ClientTransport.WebSocket
        : string.Equals(ctx.Request.Headers.Upgrade.ToString(), StreamProtocols.SpdyUpgrade, StringComparison.OrdinalIgnoreCase) ? ClientTransport.Spdy
        : ClientTransport.None;

    /// <summary>Query booleans as the kubelet reads them: <c>true</c> or <c>1</c>.</summary>
    public static bool Flag(HttpContext ctx, params string[] names) =>
        names.Any(n => ctx.Request.Query[n].ToString() is "true" or "1" or "True");

    /// <summary>The client's offered <c>X-Stream-Protocol-Version</c> values (repeated or comma-joined headers).</summary>
    public static IReadOnlyList<string> OfferedSpdyProtocols(HttpContext ctx) =>
        ctx.Request.Headers[StreamProtocols.ProtocolHeader]
            .SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

    public static async Task ErrorAsync(HttpContext ctx, int code, string message)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(message);
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        ctx.Response.ContentLength = body.Length;
        await ctx.Response.Body.WriteAsync(body, ctx.RequestAborted);
    }
}
