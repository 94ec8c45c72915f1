using System.IO.Compression;
using Bosun.Streaming.Spdy;

namespace Bosun.Streaming.Tests;

public sealed class SpdyFramingTests
{
    [Fact]
    public void Dictionary_is_the_spdy3_dictionary_by_length_and_adler32()
    {
        Assert.Equal(1423, SpdyDictionary.Bytes.Length);
        Assert.Equal(SpdyDictionary.Adler32, Adler32(SpdyDictionary.Bytes));
    }

    [Fact]
    public async Task Frames_round_trip_through_one_connection_with_shared_header_contexts()
    {
        var ms = new MemoryStream();
        var writer = new SpdyFramer(ms);
        SpdyFrame[] frames =
        [
            new SpdySynStream(1, 0, 0, false, false, [new("streamtype", "error"), new("port", "80"), new("requestid", "0")]),
            new SpdySynStream(3, 0, 0, false, false, [new("streamtype", "data"), new("port", "80"), new("requestid", "0")]),
            new SpdySynReply(1, false, []),
            new SpdyDataFrame(3, false, "GET / HTTP/1.0\r\n\r\n"u8.ToArray()),
            new SpdyDataFrame(3, true, ReadOnlyMemory<byte>.Empty),
            new SpdyHeadersFrame(3, true, [new("x", "a"), new("x", "b")]),
            new SpdyRstStream(3, 5),
            new SpdySettings([(0, 4, 100), (1, 7, 65536)]),
            new SpdyPing(2),
            new SpdyWindowUpdate(3, 1000),
            new SpdyGoAway(3, 0),
        ];
        foreach (var f in frames) await writer.WriteAsync(f, default);

        ms.Position = 0;
        var reader = new SpdyFramer(ms);
        foreach (var expected in frames)
        {
            var actual = await reader.ReadAsync(default);
            Assert.Equal(Describe(expected), Describe(actual!));
        }
        Assert.Null(await reader.ReadAsync(default));
    }

    [Fact]
    public void Control_frame_header_has_version_3_type_flags_and_24_bit_length()
    {
        var bytes = new SpdyFramer(Stream.Null).Encode(new SpdyPing(7));
        Assert.Equal(new byte[] { 0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 7 }, bytes);
        var data = new SpdyFramer(Stream.Null).Encode(new SpdyDataFrame(5, true, new byte[] { 9 }));
        Assert.Equal(new byte[] { 0, 0, 0, 5, 0x01, 0, 0, 1, 9 }, data);
    }

    [Fact]
    public void Header_block_compressed_with_the_spdy_dictionary_is_inflated()
    {
        // What Go's spdystream sends: zlib with FDICT and the dictionary's Adler-32 as dictionary id. .NET cannot write
        // such a stream, so build one by hand: a zlib header with FDICT, then raw deflate of [dictionary + block] from
        // which the dictionary part is cut at a byte boundary by a sync flush (back-references into it stay valid).
        var block = SpdyHeaderCompressor.Encode([new("streamtype", "stdout"), new("content-type", "text/plain")]);
        var deflated = RawDeflateAfterDictionary(block);
        byte[] zlibHeader = [0x78, 0xbb, 0xe3, 0xc6, 0xa7, 0xc2];
        var headers = new SpdyHeaderDecompressor().Decompress([.. zlibHeader, .. deflated]);
        Assert.Equal("stdout", headers.Get("streamType"));
        Assert.Equal("text/plain", headers.Get("content-type"));
    }

    [Fact]
    public async Task Session_streams_carry_data_fin_and_ping_between_client_and_server()
    {
        var (a, b) = DuplexStream.Pair();
        await using var client = SpdySession.Start(a, isClient: true);
        await using var server = SpdySession.Start(b, isClient: false);

        var received = new List<string>();
        var done = new TaskCompletionSource();
        var stream = await client.OpenStreamAsync([new("streamtype", "stdout")], async (d, fin) =>
        {
            if (!d.IsEmpty) received.Add(System.Text.Encoding.ASCII.GetString(d.Span));
            if (fin) done.TrySetResult();
            await Task.CompletedTask;
        });
        var accepted = await server.AcceptStreamAsync();
        Assert.NotNull(accepted);
        Assert.Equal("stdout", accepted.Headers.Get("streamtype"));
        await stream.Replied.WaitAsync(TimeSpan.FromSeconds(5));

        await stream.WriteAsync("hello"u8.ToArray());
        await stream.CloseWriteAsync();
        var fromClient = new List<byte>();
        await foreach (var d in accepted.ReadAllAsync()) fromClient.AddRange(d.ToArray());
        Assert.Equal("hello", System.Text.Encoding.ASCII.GetString(fromClient.ToArray()));

        await accepted.WriteAsync("out-1"u8.ToArray());
        await accepted.WriteAsync("out-2"u8.ToArray());
        await accepted.CloseWriteAsync();
        await done.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["out-1", "out-2"], received);
    }

    private static byte[] RawDeflateAfterDictionary(byte[] block)
    {
        // Deflate dictionary then sync-flush: output up to that point decodes the dictionary alone.
        var first = new MemoryStream();
        using (var d = new DeflateStream(first, CompressionLevel.Optimal, leaveOpen: true)) { d.Write(SpdyDictionary.Bytes); d.Flush(); }
        var prefixLength = SyncFlushLength(SpdyDictionary.Bytes);
        var all = new MemoryStream();
        using (var d = new DeflateStream(all, CompressionLevel.Optimal, leaveOpen: true)) { d.Write(SpdyDictionary.Bytes); d.Flush(); d.Write(block); d.Flush(); }
        // The part after the dictionary's flush point may reference the dictionary: that is the Go stream's body.
        return all.ToArray()[prefixLength..];
    }

    private static int SyncFlushLength(byte[] data)
    {
        var ms = new MemoryStream();
        using var d = new DeflateStream(ms, CompressionLevel.Optimal, leaveOpen: true);
        d.Write(data);
        d.Flush();
        return (int)ms.Length;
    }

    private static string Describe(SpdyFrame f) => f switch
    {
        SpdyDataFrame d => $"data {d.StreamId} {d.Fin} {Convert.ToHexString(d.Data.Span)}",
        SpdySynStream s => $"syn {s.StreamId} {s.Fin} {Hs(s.Headers)}",
        SpdySynReply r => $"reply {r.StreamId} {r.Fin} {Hs(r.Headers)}",
        SpdyHeadersFrame h => $"headers {h.StreamId} {h.Fin} {Hs(h.Headers)}",
        SpdySettings s => "settings " + string.Join(",", s.Entries),
        _ => f.ToString(),
    };

    private static string Hs(SpdyHeaders h) => string.Join(";", h.Select(kv => kv.Key + "=" + kv.Value));

    private static uint Adler32(byte[] data)
    {
        uint a = 1, b = 0;
        foreach (var x in data) { a = (a + x) % 65521; b = (b + a) % 65521; }
        return (b << 16) | a;
    }
}
