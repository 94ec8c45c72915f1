using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bosun.Bench;

/// <summary>
/// A small HTTP load on one address: every request is a new TCP connection (busybox httpd answers HTTP/1.0 and closes),
/// so each one crosses the proxy's DNAT and conntrack anew. Raw sockets keep the client's own cost low and equal for
/// both targets.
/// </summary>
internal static class HttpHopLoad
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET /hostname.html HTTP/1.0\r\n\r\n");

    /// <summary>One request; throws when the answer is not a 200.</summary>
    public static async Task GetAsync(IPEndPoint target, CancellationToken ct = default)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(target, ct);
        await socket.SendAsync(Request, SocketFlags.None, ct);
        var buffer = new byte[1024];
        var total = 0;
        int read;
        // Keep the status line; anything past the buffer is read and dropped.
        while ((read = await socket.ReceiveAsync(total < buffer.Length ? buffer.AsMemory(total) : buffer.AsMemory(512), SocketFlags.None, ct)) > 0)
            total += read;
        if (total < 12 || Encoding.ASCII.GetString(buffer, 9, 3) != "200") throw new InvalidOperationException($"{target}: not a 200 answer");
    }

    /// <summary>Sequential requests; latency of each in milliseconds, sorted.</summary>
    public static async Task<double[]> LatenciesAsync(IPEndPoint target, int count)
    {
        var result = new double[count];
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await GetAsync(target);
            result[i] = Stats.Ms(Stopwatch.GetTimestamp() - start);
        }
        Array.Sort(result);
        return result;
    }

    /// <summary>
    /// The host namespace's TcpExt TCPSynRetrans counter (/proc/net/netstat): a connection whose SYN was lost waits 1 s
    /// for the retransmission, which is what a NAT hop would add under churn.
    /// </summary>
    public static long SynRetransmits()
    {
        var lines = File.Exists("/proc/net/netstat") ? File.ReadAllLines("/proc/net/netstat") : [];
        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            if (!lines[i].StartsWith("TcpExt:", StringComparison.Ordinal)) continue;
            var index = Array.IndexOf(lines[i].Split(' '), "TCPSynRetrans");
            return index < 0 ? -1 : long.Parse(lines[i + 1].Split(' ')[index], System.Globalization.CultureInfo.InvariantCulture);
        }
        return -1;
    }

    /// <summary><paramref name="clients"/> closed-loop clients for <paramref name="duration"/>: requests per second.</summary>
    public static async Task<double> ThroughputAsync(IPEndPoint target, int clients, TimeSpan duration)
    {
        var count = 0L;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (watch.Elapsed < duration)
            {
                await GetAsync(target);
                Interlocked.Increment(ref count);
            }
        })));
        return count / watch.Elapsed.TotalSeconds;
    }
}
