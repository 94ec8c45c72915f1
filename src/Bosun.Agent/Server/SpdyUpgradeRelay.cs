using Bosun.Streaming.Channels;
using Bosun.Streaming.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bosun.Agent.Server;

/// <summary>
/// A SPDY client (kubectl ≤ 1.29, or WebSocket disabled) talks to the runtime directly: the agent opens the runtime's
/// URL with the client's protocol offer, answers 101 with the runtime's choice, then relays bytes. The runtime terminates
/// SPDY and its v4/v3/v2 remote-command or port-forward protocol itself.
/// </summary>
internal static class SpdyUpgradeRelay
{
    public static async Task RunAsync(HttpContext ctx, string runtimeUrl, IReadOnlyList<string> offered)
    {
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest)
        {
            await StreamRequest.ErrorAsync(ctx, 400, "SPDY upgrade requires HTTP/1.1 with Connection: Upgrade");
            return;
        }
        var runtime = await RuntimeStreamDialer.UpgradeAsync(runtimeUrl, offered, ctx.RequestAborted);
        if (!runtime.Upgraded)
        {
            await StreamRequest.ErrorAsync(ctx, runtime.StatusCode is >= 400 and < 600 ? runtime.StatusCode : 502,
                System.Text.Encoding.UTF8.GetString(runtime.Body).Trim() is { Length: > 0 } m ? m : $"runtime streaming server answered {runtime.StatusCode}");
            return;
        }
        await using var runtimeConnection = runtime.Connection;
        ctx.Response.Headers.Upgrade = StreamProtocols.SpdyUpgrade;
        if (runtime.Header(StreamProtocols.ProtocolHeader) is { } chosen) ctx.Response.Headers[StreamProtocols.ProtocolHeader] = chosen;
        var client = await upgrade.UpgradeAsync();
        await ByteRelay.RunAsync(client, runtimeConnection, ctx.RequestAborted);
    }
}
