using Bosun.Cri.V1;
using Bosun.Streaming.Channels;
using Bosun.Streaming.Spdy;
using Microsoft.AspNetCore.Http;

namespace Bosun.Agent.Server;

/// <summary>
/// <c>/exec/{ns}/{pod}/{container}</c> and <c>/attach/{ns}/{pod}/{container}</c>: asks the runtime for a streaming URL and
/// serves the client on it — WebSocket clients through <see cref="WebSocketExecBridge"/>, SPDY clients by relaying.
/// </summary>
internal sealed class RemoteCommandHandler(RuntimeService.RuntimeServiceClient runtime, ContainerLocator locator)
{
    private static readonly string[] WebSocketProtocols = [StreamProtocols.V5, StreamProtocols.V4];

    public async Task HandleAsync(HttpContext ctx, bool attach, string ns, string pod, string container)
    {
        var ct = ctx.RequestAborted;
        var transport = StreamRequest.Transport(ctx);
        if (transport == ClientTransport.None)
        {
            await StreamRequest.ErrorAsync(ctx, 400, "Upgrade request required");
            return;
        }
        var options = new RemoteCommandOptions(StreamRequest.Flag(ctx, "stdin", "input"), StreamRequest.Flag(ctx, "stdout", "output"),
            StreamRequest.Flag(ctx, "stderr", "error"), StreamRequest.Flag(ctx, "tty"));
        var command = ctx.Request.Query["command"].Where(c => c is not null).Select(c => c!).ToList();
        if (!attach && command.Count == 0)
        {
            await StreamRequest.ErrorAsync(ctx, 400, "you must specify at least one command for the container");
            return;
        }
        if (!options.Stdin && !options.Stdout && !options.Stderr)
        {
            await StreamRequest.ErrorAsync(ctx, 400, "you must specify at least 1 of stdin, stdout, stderr");
            return;
        }

        var found = await locator.FindAsync(ns, pod, container, ct);
        if (found is null || found.State != ContainerState.ContainerRunning)
        {
            // The kubelet's wording: it looks among running containers only.
            await StreamRequest.ErrorAsync(ctx, 400, $"container not found (\"{container}\")");
            return;
        }

        var url = attach
            ? (await runtime.AttachAsync(new AttachRequest { ContainerId = found.Id, Stdin = options.Stdin, Stdout = options.Stdout, Stderr = options.UsesStderr, Tty = options.Tty }, cancellationToken: ct)).Url
            : (await runtime.ExecAsync(Exec(found.Id, command, options), cancellationToken: ct)).Url;

        if (transport == ClientTransport.Spdy)
        {
            await SpdyUpgradeRelay.RunAsync(ctx, url, StreamRequest.OfferedSpdyProtocols(ctx));
            return;
        }
        await ServeWebSocketAsync(ctx, url, options);
    }

    private static ExecRequest Exec(string id, List<string> command, RemoteCommandOptions o)
    {
        var r = new ExecRequest { ContainerId = id, Stdin = o.Stdin, Stdout = o.Stdout, Stderr = o.UsesStderr, Tty = o.Tty };
        r.Cmd.AddRange(command);
        return r;
    }

    private static async Task ServeWebSocketAsync(HttpContext ctx, string url, RemoteCommandOptions options)
    {
        var subprotocol = WebSocketProtocols.FirstOrDefault(p => ctx.WebSockets.WebSocketRequestedProtocols.Contains(p));
        if (subprotocol is null)
        {
            await StreamRequest.ErrorAsync(ctx, 400, $"none of the offered WebSocket subprotocols is supported; supported: {string.Join(", ", WebSocketProtocols)}");
            return;
        }
        var runtimeConn = await RuntimeStreamDialer.UpgradeAsync(url, [StreamProtocols.V4], ctx.RequestAborted);
        if (!runtimeConn.Upgraded)
        {
            await StreamRequest.ErrorAsync(ctx, 502, $"runtime streaming server answered {runtimeConn.StatusCode}");
            return;
        }
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync(subprotocol);
        await using var session = SpdySession.Start(runtimeConn.Connection, isClient: true);
        await new WebSocketExecBridge(ws, subprotocol, session, options).RunAsync(ctx.RequestAborted);
    }
}
