using System.Text;

namespace Bosun.Streaming.Spdy;

/// <summary>
/// The SPDY/3 header compression dictionary (spec §2.6.10.1): length-prefixed common header names, then a run of
/// common values. 1423 bytes, Adler-32 <c>0xe3c6a7c2</c> (the dictionary id in the peer's zlib header).
/// </summary>
internal static class SpdyDictionary
{
    public const uint Adler32 = 0xe3c6a7c2;

    private static readonly string[] Words =
    [
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language",
        "accept-ranges", "age", "allow", "authorization", "cache-control", "connection", "content-base", "content-encoding",
        "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type", "date",
        "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
        "if-unmodified-since", "last-modified", "location", "max-forwards", "pragma", "proxy-authenticate",
        "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
        "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK", "version",
        "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
    ];

    private const string Tail =
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
        "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized" +
        "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable" +
        "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
        "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain," +
        "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

    public static readonly byte[] Bytes = Build();

    private static byte[] Build()
    {
        var ms = new MemoryStream();
        Span<byte> len = stackalloc byte[4];
        foreach (var w in Words)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(len, w.Length);
            ms.Write(len);
            ms.Write(Encoding.ASCII.GetBytes(w));
        }
        ms.Write(Encoding.ASCII.GetBytes(Tail));
        return ms.ToArray();
    }
}
