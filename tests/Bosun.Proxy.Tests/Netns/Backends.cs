using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bosun.Proxy.Tests.Netns;

/// <summary>A pod's server: answers every TCP connection and UDP datagram on a port with its name.</summary>
internal sealed class Backend : IDisposable
{
    private readonly Socket tcp;
    private readonly Socket udp;
    private readonly CancellationTokenSource stop = new();

    public Backend(string netns, string name, int port)
    {
        Name = name;
        tcp = NetnsSockets.Create(netns, SocketType.Stream, ProtocolType.Tcp, new IPEndPoint(IPAddress.Any, port));
        tcp.Listen(64);
        udp = NetnsSockets.Create(netns, SocketType.Dgram, ProtocolType.Udp, new IPEndPoint(IPAddress.Any, port));
        _ = ServeTcpAsync();
        _ = ServeUdpAsync();
    }

    public string Name { get; }

    private async Task ServeTcpAsync()
    {
        var reply = Encoding.ASCII.GetBytes(Name + "\n");
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var client = await tcp.AcceptAsync(stop.Token);
                await client.SendAsync(reply, stop.Token);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { if (stop.IsCancellationRequested) return; }
        }
    }

    private async Task ServeUdpAsync()
    {
        var buffer = new byte[512];
        var reply = Encoding.ASCII.GetBytes(Name);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var r = await udp.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), stop.Token);
                await udp.SendToAsync(reply, r.RemoteEndPoint, stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { if (stop.IsCancellationRequested) return; }
        }
    }

    public void Dispose()
    {
        stop.Cancel();
        tcp.Dispose();
        udp.Dispose();
    }
}

/// <summary>What a client saw: the server's name, or how it failed.</summary>
internal sealed record Reply(string? Name, SocketError Error)
{
    public bool Refused => Error is SocketError.ConnectionRefused or SocketError.ConnectionReset;
}

/// <summary>Connections and datagrams from inside a namespace.</summary>
internal static class Client
{
    public static async Task<Reply> TcpAsync(string netns, string ip, int port, int timeoutMs = 2000)
    {
        using var socket = NetnsSockets.Create(netns, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(timeoutMs);
        try
        {
            await socket.ConnectAsync(IPAddress.Parse(ip), port, timeout.Token);
            var buffer = new byte[256];
            var n = await socket.ReceiveAsync(buffer, timeout.Token);
            return new Reply(Encoding.ASCII.GetString(buffer, 0, n).Trim(), SocketError.Success);
        }
        catch (SocketException e) { return new Reply(null, e.SocketErrorCode); }
        catch (OperationCanceledException) { return new Reply(null, SocketError.TimedOut); }
    }

    public static async Task<Reply> UdpAsync(string netns, string ip, int port, int timeoutMs = 2000)
    {
        using var socket = NetnsSockets.Create(netns, SocketType.Dgram, ProtocolType.Udp);
        using var timeout = new CancellationTokenSource(timeoutMs);
        try
        {
            // Connected, so an ICMP port unreachable (REJECT) surfaces as an error instead of a timeout.
            await socket.ConnectAsync(IPAddress.Parse(ip), port, timeout.Token);
            await socket.SendAsync(Encoding.ASCII.GetBytes("hi"), timeout.Token);
            var buffer = new byte[256];
            var n = await socket.ReceiveAsync(buffer, timeout.Token);
            return new Reply(Encoding.ASCII.GetString(buffer, 0, n), SocketError.Success);
        }
        catch (SocketException e) { return new Reply(null, e.SocketErrorCode); }
        catch (OperationCanceledException) { return new Reply(null, SocketError.TimedOut); }
    }
}
