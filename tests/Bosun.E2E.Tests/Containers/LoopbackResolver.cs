using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bosun.E2E.Tests.Containers;

/// <summary>
/// The host resolver the cluster DNS forwards to in tests, so no query leaves the machine: UDP on a random
/// 127.x.y.z:53 (resolv.conf has no port), answering one A record it is given and NXDOMAIN for everything else,
/// and recording every name it was asked.
/// </summary>
internal sealed class LoopbackResolver : IDisposable
{
    private readonly UdpClient _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly string _knownName;
    private readonly IPAddress _knownAddress;

    public LoopbackResolver(string knownName, IPAddress knownAddress)
    {
        _knownName = knownName.TrimEnd('.').ToLowerInvariant();
        _knownAddress = knownAddress;
        var bytes = Guid.NewGuid().ToByteArray();
        Address = new IPAddress([127, (byte)(bytes[0] % 200 + 20), bytes[1], (byte)(bytes[2] % 250 + 2)]);
        _socket = new UdpClient(new IPEndPoint(Address, 53));
        _loop = Task.Run(ServeAsync);
    }

    public IPAddress Address { get; }

    /// <summary>Every question name received, lower case, without the trailing dot.</summary>
    public ConcurrentQueue<string> Questions { get; } = new();

    /// <summary>A resolv.conf naming only this resolver.</summary>
    public string ResolvConf => $"nameserver {Address}\n";

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try { query = await _socket.ReceiveAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { continue; }
            if (Answer(query.Buffer) is { } answer) await _socket.SendAsync(answer, query.RemoteEndPoint, _stop.Token);
        }
    }

    /// <summary>The response to one query: the question echoed, then an A record or NXDOMAIN.</summary>
    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) != 1) return null;
        var (name, end) = ReadName(query, 12);
        if (end + 4 > query.Length) return null;
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(end));
        Questions.Enqueue(name);
        var known = name == _knownName;
        var response = new List<byte>(query[..(end + 4)]);
        var flags = (ushort)(0x8000 | (query[2] & 0x01) << 8 | 0x0080 | (known ? 0 : 3));   // QR, RD copied, RA, NOERROR/NXDOMAIN
        response[2] = (byte)(flags >> 8);
        response[3] = (byte)flags;
        var withAnswer = known && type == 1;
        response[6] = 0; response[7] = (byte)(withAnswer ? 1 : 0);
        for (var i = 8; i < 12; i++) response[i] = 0;   // no authority or additional records (drops the query's OPT)
        if (withAnswer)
            response.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, .. _knownAddress.GetAddressBytes()]);
        return [.. response];
    }

    private static (string Name, int End) ReadName(byte[] message, int offset)
    {
        var labels = new List<string>();
        while (offset < message.Length && message[offset] != 0)
        {
            var length = message[offset];
            if (length > 63 || offset + 1 + length > message.Length) return ("", message.Length);
            labels.Add(Encoding.ASCII.GetString(message, offset + 1, length));
            offset += 1 + length;
        }
        return (string.Join('.', labels).ToLowerInvariant(), offset + 1);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
