using System.Net.WebSockets;
using System.Text;
using Bosun.Streaming.Channels;
using Bosun.Streaming.Spdy;

namespace Bosun.Streaming.Tests;

/// <summary>
/// The v5/v4 WebSocket channel protocol bridged onto a SPDY v4 runtime connection; the runtime side here is a SPDY server
/// session scripted like containerd's remote-command server (streams by <c>streamtype</c>, Status on the error stream).
/// </summary>
public sealed class WebSocketExecBridgeTests
{
    private const string ExitStatus =
        """{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}""";

    [Fact]
    public async Task V5_client_gets_output_in_order_then_the_status_and_a_normal_close()
    {
        await using var h = await Harness.StartAsync(StreamProtocols.V5, new RemoteCommandOptions(Stdin: false, Stdout: true, Stderr: true, Tty: false));
        var streams = await h.AcceptAsync(3);
        Assert.Equal(["error", "stdout", "stderr"], streams.Select(s => s.Headers.Get("streamType")));
        await streams[1].WriteAsync("out-1\n"u8.ToArray());
        await streams[2].WriteAsync("err-1\n"u8.ToArray());
        await streams[1].WriteAsync("out-2\n"u8.ToArray());
        await streams[0].WriteAsync(Encoding.UTF8.GetBytes(ExitStatus));
        await streams[0].CloseWriteAsync();

        var messages = await h.ReadUntilCloseAsync();
        Assert.Equal(["1:out-1\n", "2:err-1\n", "1:out-2\n", "3:" + ExitStatus], messages);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, h.Client.CloseStatus);
        await h.Bridge;
    }

    [Fact]
    public async Task V5_stdin_data_and_close_reach_the_runtime_as_data_and_fin()
    {
        await using var h = await Harness.StartAsync(StreamProtocols.V5, new RemoteCommandOptions(Stdin: true, Stdout: true, Stderr: false, Tty: false));
        var streams = await h.AcceptAsync(3);
        Assert.Equal(["error", "stdin", "stdout"], streams.Select(s => s.Headers.Get("streamType")));
        await h.SendAsync([StreamProtocols.StdinChannel, .. "hello\n"u8.ToArray()]);
        await h.SendAsync([StreamProtocols.CloseChannel, StreamProtocols.StdinChannel]);

        var received = new MemoryStream();
        await foreach (var d in streams[1].ReadAllAsync().WithCancellation(new CancellationTokenSource(5000).Token)) received.Write(d.Span);
        Assert.Equal("hello\n", Encoding.UTF8.GetString(received.ToArray()));   // the loop ended: the stream got its FIN

        await streams[0].WriteAsync("""{"metadata":{},"status":"Success"}"""u8.ToArray());
        await streams[0].CloseWriteAsync();
        Assert.Equal(["3:{\"metadata\":{},\"status\":\"Success\"}"], await h.ReadUntilCloseAsync());
    }

    [Fact]
    public async Task Tty_opens_a_resize_stream_and_no_stderr_and_forwards_resize_events()
    {
        await using var h = await Harness.StartAsync(StreamProtocols.V5, new RemoteCommandOptions(Stdin: true, Stdout: true, Stderr: true, Tty: true));
        var streams = await h.AcceptAsync(4);
        Assert.Equal(["error", "stdin", "stdout", "resize"], streams.Select(s => s.Headers.Get("streamType")));
        await h.SendAsync([StreamProtocols.ResizeChannel, .. """{"Width":100,"Height":30}"""u8.ToArray()]);
        await foreach (var d in streams[3].ReadAllAsync().WithCancellation(new CancellationTokenSource(5000).Token))
        {
            Assert.Equal("""{"Width":100,"Height":30}""", Encoding.UTF8.GetString(d.Span));
            break;
        }
        await streams[0].CloseWriteAsync();
        Assert.Empty(await h.ReadUntilCloseAsync());
    }

    [Fact]
    public async Task V4_client_cannot_close_stdin_with_channel_255()
    {
        await using var h = await Harness.StartAsync(StreamProtocols.V4, new RemoteCommandOptions(Stdin: true, Stdout: true, Stderr: false, Tty: false));
        var streams = await h.AcceptAsync(3);
        await h.SendAsync([StreamProtocols.CloseChannel, StreamProtocols.StdinChannel]);
        await h.SendAsync([StreamProtocols.StdinChannel, .. "still-open"u8.ToArray()]);
        await foreach (var d in streams[1].ReadAllAsync().WithCancellation(new CancellationTokenSource(5000).Token))
        {
            Assert.Equal("still-open", Encoding.UTF8.GetString(d.Span));
            break;
        }
        await streams[0].CloseWriteAsync();
        await h.ReadUntilCloseAsync();
    }

    [Fact]
    public async Task A_runtime_that_drops_the_connection_still_closes_the_client()
    {
        var h = await Harness.StartAsync(StreamProtocols.V5, new RemoteCommandOptions(Stdin: false, Stdout: true, Stderr: false, Tty: false));
        await h.AcceptAsync(2);
        await h.Runtime.DisposeAsync();
        Assert.Empty(await h.ReadUntilCloseAsync());
        await h.DisposeAsync();
    }

    private sealed class Harness : IAsyncDisposable
    {
        private Harness(WebSocket client, WebSocket server, SpdySession bridgeSide, SpdySession runtime, Task bridge)
        {
            Client = client;
            Server = server;
            BridgeSide = bridgeSide;
            Runtime = runtime;
            Bridge = bridge;
        }

        public WebSocket Client { get; }
        public WebSocket Server { get; }
        public SpdySession BridgeSide { get; }
        public SpdySession Runtime { get; }
        public Task Bridge { get; }

        public static async Task<Harness> StartAsync(string subprotocol, RemoteCommandOptions options)
        {
            var (wsClient, wsServer) = DuplexStream.Pair();
            var client = WebSocket.CreateFromStream(wsClient, new WebSocketCreationOptions { IsServer = false });
            var server = WebSocket.CreateFromStream(wsServer, new WebSocketCreationOptions { IsServer = true, SubProtocol = subprotocol });
            var (spdyClient, spdyServer) = DuplexStream.Pair();
            var bridgeSide = SpdySession.Start(spdyClient, isClient: true);
            var runtime = SpdySession.Start(spdyServer, isClient: false);
            var bridge = Task.Run(() => new WebSocketExecBridge(server, subprotocol, bridgeSide, options).RunAsync(default));
            await Task.Yield();
            return new Harness(client, server, bridgeSide, runtime, bridge);
        }

        public async Task<List<SpdyStream>> AcceptAsync(int n)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var list = new List<SpdyStream>();
            for (var i = 0; i < n; i++) list.Add((await Runtime.AcceptStreamAsync(cts.Token))!);
            return list;
        }

        public Task SendAsync(byte[] message) => Client.SendAsync(message, WebSocketMessageType.Binary, true, default);

        /// <summary>Messages as "channel:text" until the server's close frame, which is answered.</summary>
        public async Task<List<string>> ReadUntilCloseAsync()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var messages = new List<string>();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var r = await Client.ReceiveAsync(buffer, cts.Token);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    await Client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                    return messages;
                }
                messages.Add($"{buffer[0]}:{Encoding.UTF8.GetString(buffer, 1, r.Count - 1)}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Runtime.DisposeAsync();
            await BridgeSide.DisposeAsync();
            try { await Bridge.WaitAsync(TimeSpan.FromSeconds(10)); } catch (Exception) { }
            Client.Dispose();
            Server.Dispose();
        }
    }
}
