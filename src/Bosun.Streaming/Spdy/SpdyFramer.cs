using System.Buffers.Binary;

namespace Bosun.Streaming.Spdy;

/// <summary>
/// Reads and writes SPDY/3.1 frames on a byte stream: control frames <c>1|version:15|type:16|flags:8|length:24</c>, data
/// frames <c>0|stream-id:31|flags:8|length:24</c>. Holds the connection's two header compression contexts, so one framer
/// per connection. Writes are not synchronised here; <see cref="SpdySession"/> serialises them.
/// </summary>
public sealed class SpdyFramer(Stream transport) : IDisposable
{
    public const int MaxFrameLength = (1 << 24) - 1;
    private readonly SpdyHeaderCompressor _compressor = new();
    private readonly SpdyHeaderDecompressor _decompressor = new();

    /// <summary>The next frame, or null at a clean end of the stream (between frames).</summary>
    public async Task<SpdyFrame?> ReadAsync(CancellationToken ct)
    {
        var head = new byte[8];
        var got = await transport.ReadAtLeastAsync(head, 8, throwOnEndOfStream: false, ct);
        if (got == 0) return null;
        if (got < 8) throw new EndOfStreamException("SPDY connection closed inside a frame header");
        var flags = head[4];
        var length = (head[5] << 16) | (head[6] << 8) | head[7];
        var payload = new byte[length];
        await transport.ReadExactlyAsync(payload, ct);
        if ((head[0] & 0x80) == 0)
            return new SpdyDataFrame(BinaryPrimitives.ReadUInt32BigEndian(head) & 0x7fffffff, (flags & SpdyFrameType.FlagFin) != 0, payload);

        var version = BinaryPrimitives.ReadUInt16BigEndian(head) & 0x7fff;
        if (version != SpdyFrameType.Version) throw new InvalidDataException($"unsupported SPDY version {version}");
        return ParseControl(BinaryPrimitives.ReadUInt16BigEndian(head.AsSpan(2)), flags, payload);
    }

    private SpdyFrame ParseControl(ushort type, byte flags, byte[] p)
    {
        var fin = (flags & SpdyFrameType.FlagFin) != 0;
        switch (type)
        {
            case SpdyFrameType.SynStream:
                Need(p, 10, "SYN_STREAM");
                return new SpdySynStream(Id(p, 0), Id(p, 4), (byte)(p[8] >> 5), fin,
                    (flags & SpdyFrameType.FlagUnidirectional) != 0, _decompressor.Decompress(p.AsSpan(10)));
            case SpdyFrameType.SynReply:
                Need(p, 4, "SYN_REPLY");
                return new SpdySynReply(Id(p, 0), fin, _decompressor.Decompress(p.AsSpan(4)));
            case SpdyFrameType.Headers:
                Need(p, 4, "HEADERS");
                return new SpdyHeadersFrame(Id(p, 0), fin, _decompressor.Decompress(p.AsSpan(4)));
            case SpdyFrameType.RstStream:
                Need(p, 8, "RST_STREAM");
                return new SpdyRstStream(Id(p, 0), U32(p, 4));
            case SpdyFrameType.Settings:
                Need(p, 4, "SETTINGS");
                var n = (int)U32(p, 0);
                Need(p, 4 + 8L * n, "SETTINGS");
                return new SpdySettings(Enumerable.Range(0, n)
                    .Select(i => (p[4 + 8 * i], U32(p, 4 + 8 * i) & 0xffffff, U32(p, 8 + 8 * i))).ToList());
            case SpdyFrameType.Ping:
                Need(p, 4, "PING");
                return new SpdyPing(U32(p, 0));
            case SpdyFrameType.GoAway:
                Need(p, 4, "GOAWAY");
                return new SpdyGoAway(Id(p, 0), p.Length >= 8 ? U32(p, 4) : 0);
            case SpdyFrameType.WindowUpdate:
                Need(p, 8, "WINDOW_UPDATE");
                return new SpdyWindowUpdate(Id(p, 0), U32(p, 4) & 0x7fffffff);
            default:
                return new SpdyUnknownControl(type);
        }
    }

    /// <summary>Encodes <paramref name="frame"/> (compressing its headers in this connection's context) and writes it.</summary>
    public async Task WriteAsync(SpdyFrame frame, CancellationToken ct)
    {
        var bytes = Encode(frame);
        await transport.WriteAsync(bytes, ct);
        await transport.FlushAsync(ct);
    }

    internal byte[] Encode(SpdyFrame frame) => frame switch
    {
        SpdyDataFrame d => Data(d),
        SpdySynStream s => Control(SpdyFrameType.SynStream, (byte)((s.Fin ? SpdyFrameType.FlagFin : 0) | (s.Unidirectional ? SpdyFrameType.FlagUnidirectional : 0)),
            [.. BE(s.StreamId), .. BE(s.AssociatedStreamId), (byte)(s.Priority << 5), 0, .. _compressor.Compress(s.Headers)]),
        SpdySynReply r => Control(SpdyFrameType.SynReply, r.Fin ? SpdyFrameType.FlagFin : (byte)0, [.. BE(r.StreamId), .. _compressor.Compress(r.Headers)]),
        SpdyHeadersFrame h => Control(SpdyFrameType.Headers, h.Fin ? SpdyFrameType.FlagFin : (byte)0, [.. BE(h.StreamId), .. _compressor.Compress(h.Headers)]),
        SpdyRstStream r => Control(SpdyFrameType.RstStream, 0, [.. BE(r.StreamId), .. BE(r.Status)]),
        SpdySettings s => Control(SpdyFrameType.Settings, 0,
            [.. BE((uint)s.Entries.Count), .. s.Entries.SelectMany(e => (byte[])[.. BE(((uint)e.Flags << 24) | (e.Id & 0xffffff)), .. BE(e.Value)])]),
        SpdyPing p => Control(SpdyFrameType.Ping, 0, BE(p.Id)),
        SpdyGoAway g => Control(SpdyFrameType.GoAway, 0, [.. BE(g.LastGoodStreamId), .. BE(g.Status)]),
        SpdyWindowUpdate w => Control(SpdyFrameType.WindowUpdate, 0, [.. BE(w.StreamId), .. BE(w.Delta)]),
        _ => throw new ArgumentException($"cannot encode {frame.GetType().Name}", nameof(frame)),
    };

    private static byte[] Data(SpdyDataFrame d)
    {
        if (d.Data.Length > MaxFrameLength) throw new ArgumentException("SPDY data frame too long", nameof(d));
        var bytes = new byte[8 + d.Data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, d.StreamId & 0x7fffffff);
        WriteFlagsAndLength(bytes, d.Fin ? SpdyFrameType.FlagFin : (byte)0, d.Data.Length);
        d.Data.Span.CopyTo(bytes.AsSpan(8));
        return bytes;
    }

    private static byte[] Control(ushort type, byte flags, byte[] payload)
    {
        var bytes = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, 0x8000 | SpdyFrameType.Version);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), type);
        WriteFlagsAndLength(bytes, flags, payload.Length);
        payload.CopyTo(bytes, 8);
        return bytes;
    }

    private static void WriteFlagsAndLength(byte[] bytes, byte flags, int length)
    {
        bytes[4] = flags;
        bytes[5] = (byte)(length >> 16);
        bytes[6] = (byte)(length >> 8);
        bytes[7] = (byte)length;
    }

    private static byte[] BE(uint v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }

    private static uint U32(byte[] p, int at) => BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(at));

    private static uint Id(byte[] p, int at) => U32(p, at) & 0x7fffffff;

    private static void Need(byte[] p, long n, string what)
    {
        if (p.Length < n) throw new InvalidDataException($"SPDY {what} frame too short ({p.Length} bytes)");
    }

    public void Dispose()
    {
        _compressor.Dispose();
        _decompressor.Dispose();
    }
}
