using Bosun.Cri.V1;
using Bosun.Streaming.Channels;
using Bosun.Streaming.Http;
using Microsoft.AspNetCore.Http;

namespace Bosun.Agent.Server;

/// <summary>
/// <c>/portForward/{ns}/{pod}</c>. Ports travel in SPDY stream headers, so the runtime's SPDY port-forward server does all
/// the work: SPDY clients are relayed to it, and WebSocket clients (<c>SPDY/3.1+portforward.k8s.io</c>, whose messages carry
/// the bytes of a SPDY connection) are unwrapped and relayed the same way.
/// </summary>
internal sealed class PortForwardHandler(RuntimeService.RuntimeServiceClient runtime, ContainerLocator locator)
{
    public async Task HandleAsync(HttpContext ctx, string ns, string pod)
    {
        var ct = ctx.RequestAborted;
        var transport = StreamRequest.Transport(ctx);
        if (transport == ClientTransport.None)
        {
            await StreamRequest.ErrorAsync(ctx, 400, "Upgrade request required");
            return;
        }
        if (transport == ClientTransport.WebSocket && !ctx.WebSockets.WebSocketRequestedProtocols.Contains(StreamProtocols.SpdyOverWebSocketPortForward))
        {
            await StreamRequest.ErrorAsync(ctx, 400, $"WebSocket port-forward requires the subprotocol {StreamProtocols.SpdyOverWebSocketPortForward}");
            return;
        }
        var sandbox = await locator.FindSandboxAsync(ns, pod, ct);
        if (sandbox is null)
        {
            await StreamRequest.ErrorAsync(ctx, 404, $"pod {ns}/{pod} has no running sandbox");
            return;
        }
        var url = (await runtime.PortForwardAsync(new PortForwardRequest { PodSandboxId = sandbox }, cancellationToken: ct)).Url;
        if (transport == ClientTransport.Spdy)
        {
            await SpdyUpgradeRelay.RunAsync(ctx, url, [StreamProtocols.PortForward]);
            return;
        }

        var runtimeConn = await RuntimeStreamDialer.UpgradeAsync(url, [StreamProtocols.PortForward], ct);
        if (!runtimeConn.Upgraded)
        {
            await StreamRequest.ErrorAsync(ctx, 502, $"runtime streaming server answered {runtimeConn.StatusCode}");
            return;
        }
        using var ws = await WebSocketHandshake.AcceptAsync(ctx, StreamProtocols.SpdyOverWebSocketPortForward);
        await WebSocketTunnel.RunAsync(ws, runtimeConn.Connection, ct);
    }
}
