using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bosun.Agent.Server;

/// <summary>
/// Accepts a WebSocket by hand (RFC 6455 §4.2.2) for subprotocols ASP.NET Core refuses: its validation rejects '/',
/// which <c>SPDY/3.1+portforward.k8s.io</c> contains.
/// </summary>
internal static class WebSocketHandshake
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    public static async Task<WebSocket> AcceptAsync(HttpContext ctx, string subprotocol)
    {
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>() ?? throw new InvalidOperationException("the connection cannot be upgraded");
        var key = ctx.Request.Headers.SecWebSocketKey.ToString();
        ctx.Response.Headers.Upgrade = "websocket";
        ctx.Response.Headers.SecWebSocketAccept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid)));
        ctx.Response.Headers.SecWebSocketProtocol = subprotocol;
        var stream = await upgrade.UpgradeAsync();
        return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.FromSeconds(30) });
    }
}
