using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Bosun.Streaming.Spdy;

/// <summary>
/// Compresses header blocks for one direction of a SPDY connection: one zlib stream for the whole connection, sync-flushed
/// after every block. It writes no preset dictionary (no FDICT flag), which zlib readers given the SPDY dictionary
/// accept: the dictionary is only needed by readers of streams that declare it.
/// </summary>
internal sealed class SpdyHeaderCompressor : IDisposable
{
    private readonly MemoryStream _buffer = new();
    private readonly ZLibStream _zlib;

    public SpdyHeaderCompressor() => _zlib = new ZLibStream(_buffer, CompressionLevel.Fastest, leaveOpen: true);

    public byte[] Compress(SpdyHeaders headers)
    {
        _buffer.SetLength(0);
        var plain = Encode(headers);
        _zlib.Write(plain);
        _zlib.Flush();   // Z_SYNC_FLUSH: the peer can decode this block without the next one
        return _buffer.ToArray();
    }

    /// <summary>The uncompressed name/value block: count, then (length, name, length, value) with 32-bit big-endian lengths.</summary>
    internal static byte[] Encode(SpdyHeaders headers)
    {
        var grouped = headers.GroupBy(h => h.Key.ToLowerInvariant(), StringComparer.Ordinal).ToList();
        var ms = new MemoryStream();
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(n, grouped.Count);
        ms.Write(n);
        foreach (var g in grouped)
        {
            WriteString(ms, g.Key);
            WriteString(ms, string.Join('\0', g.Select(h => h.Value)));
        }
        return ms.ToArray();
    }

    private static void WriteString(MemoryStream ms, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(n, bytes.Length);
        ms.Write(n);
        ms.Write(bytes);
    }

    public void Dispose()
    {
        _zlib.Dispose();
        _buffer.Dispose();
    }
}

/// <summary>
/// Inflates the peer's header blocks (one zlib stream per connection, primed with the SPDY dictionary). .NET cannot preset
/// a zlib dictionary, so the raw deflate stream is started with a stored block holding the dictionary: back-references
/// into it then resolve, and the dictionary bytes themselves are read and dropped.
/// </summary>
internal sealed class SpdyHeaderDecompressor : IDisposable
{
    private const int MaxBlockBytes = 1 << 20;
    private readonly FeedStream _feed = new();
    private DeflateStream? _inflater;

    public SpdyHeaders Decompress(ReadOnlySpan<byte> compressed)
    {
        if (_inflater is null)
        {
            if (compressed.Length < 2) throw new InvalidDataException("SPDY header block shorter than a zlib header");
            var skip = (compressed[1] & 0x20) != 0 ? 6 : 2;   // FDICT: a 4-byte dictionary id follows the 2-byte header
            _feed.Append(StoredBlock(SpdyDictionary.Bytes));
            _feed.Append(compressed[skip..]);
            _inflater = new DeflateStream(_feed, CompressionMode.Decompress);
            _inflater.ReadExactly(new byte[SpdyDictionary.Bytes.Length]);
        }
        else
        {
            _feed.Append(compressed);
        }
        return Parse(_inflater);
    }

    /// <summary>Reads one name/value block exactly, so that nothing of the next block is consumed.</summary>
    internal static SpdyHeaders Parse(Stream s)
    {
        var count = ReadInt(s);
        if (count < 0 || count > 1000) throw new InvalidDataException($"SPDY header block with {count} entries");
        var headers = new SpdyHeaders();
        for (var i = 0; i < count; i++)
        {
            var name = ReadString(s);
            foreach (var v in ReadString(s).Split('\0')) headers.Add(new KeyValuePair<string, string>(name, v));
        }
        return headers;
    }

    private static int ReadInt(Stream s)
    {
        Span<byte> b = stackalloc byte[4];
        s.ReadExactly(b);
        return BinaryPrimitives.ReadInt32BigEndian(b);
    }

    private static string ReadString(Stream s)
    {
        var len = ReadInt(s);
        if (len < 0 || len > MaxBlockBytes) throw new InvalidDataException($"SPDY header string of {len} bytes");
        var bytes = new byte[len];
        s.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>A non-final stored deflate block (BFINAL=0, BTYPE=00) holding <paramref name="data"/> (under 64 KiB).</summary>
    private static byte[] StoredBlock(byte[] data)
    {
        var block = new byte[5 + data.Length];
        block[0] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(1), (ushort)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(block.AsSpan(3), (ushort)~data.Length);
        data.CopyTo(block, 5);
        return block;
    }

    public void Dispose() => _inflater?.Dispose();

    /// <summary>An in-memory stream that is appended to and read from; an empty read means "no more input yet".</summary>
    private sealed class FeedStream : Stream
    {
        private readonly Queue<byte[]> _chunks = new();
        private int _offset;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (!data.IsEmpty) _chunks.Enqueue(data.ToArray());
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_chunks.Count == 0) return 0;
            var head = _chunks.Peek();
            var n = Math.Min(buffer.Length, head.Length - _offset);
            head.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            if (_offset == head.Length)
            {
                _chunks.Dequeue();
                _offset = 0;
            }
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
