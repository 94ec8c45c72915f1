using System.Globalization;
using System.Text;

namespace Bosun.Streaming.Http;

/// <summary>
/// Sends one HTTP/1.1 request on a raw connection and reads the answer, for protocol upgrades (SPDY, WebSocket) that
/// HttpClient cannot hand over as a plain duplex byte stream. On 101 the connection is returned unread past the header
/// block (nothing is buffered), so it can be relayed or spoken on directly.
/// </summary>
public static class HttpUpgradeClient
{
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxBodyBytes = 1 << 20;

    public static async Task<UpgradeResponse> SendAsync(Stream connection, string method, string pathAndQuery, string host,
        IEnumerable<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        var request = new StringBuilder();
        request.Append(CultureInfo.InvariantCulture, $"{method} {pathAndQuery} HTTP/1.1\r\nHost: {host}\r\n");
        foreach (var (name, value) in headers)
        {
            if (name.Contains('\n') || value.Contains('\n') || name.Contains('\r') || value.Contains('\r'))
                throw new ArgumentException($"header {name} contains a line break", nameof(headers));
            request.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }
        request.Append("\r\n");
        await connection.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), ct);
        await connection.FlushAsync(ct);

        var head = await ReadHeaderBlockAsync(connection, ct);
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], out var code))
            throw new IOException($"malformed HTTP status line: {lines[0]}");
        var parsed = lines.Skip(1).Where(l => l.Length > 0).Select(l =>
        {
            var colon = l.IndexOf(':');
            if (colon <= 0) throw new IOException($"malformed HTTP header line: {l}");
            return new KeyValuePair<string, string>(l[..colon].Trim(), l[(colon + 1)..].Trim());
        }).ToList();
        var response = new UpgradeResponse(code, status.Length > 2 ? status[2] : "", parsed, connection, []);
        return code == 101 ? response : response with { Body = await ReadBodyAsync(connection, response, ct) };
    }

    /// <summary>Byte by byte up to the blank line, so that no byte of the upgraded protocol is consumed.</summary>
    private static async Task<string> ReadHeaderBlockAsync(Stream s, CancellationToken ct)
    {
        var buf = new List<byte>(512);
        var one = new byte[1];
        while (buf.Count < MaxHeaderBytes)
        {
            if (await s.ReadAsync(one, ct) == 0) throw new IOException("connection closed before the HTTP response header ended");
            buf.Add(one[0]);
            var n = buf.Count;
            if (n >= 4 && buf[n - 4] == '\r' && buf[n - 3] == '\n' && buf[n - 2] == '\r' && buf[n - 1] == '\n')
                return Encoding.ASCII.GetString(buf.ToArray(), 0, n - 4);
        }
        throw new IOException("HTTP response header too large");
    }

    private static async Task<byte[]> ReadBodyAsync(Stream s, UpgradeResponse r, CancellationToken ct)
    {
        if (int.TryParse(r.Header("Content-Length"), out var length))
        {
            var body = new byte[Math.Min(length, MaxBodyBytes)];
            await s.ReadExactlyAsync(body, ct);
            return body;
        }
        if (string.Equals(r.Header("Transfer-Encoding"), "chunked", StringComparison.OrdinalIgnoreCase))
            return await ReadChunkedAsync(s, ct);
        return [];
    }

    private static async Task<byte[]> ReadChunkedAsync(Stream s, CancellationToken ct)
    {
        var body = new MemoryStream();
        while (true)
        {
            var line = await ReadLineAsync(s, ct);
            var size = int.Parse(line.Split(';')[0].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while ((await ReadLineAsync(s, ct)).Length > 0) { }   // trailers
                return body.ToArray();
            }
            if (body.Length + size > MaxBodyBytes) throw new IOException("HTTP response body too large");
            var chunk = new byte[size];
            await s.ReadExactlyAsync(chunk, ct);
            body.Write(chunk);
            await ReadLineAsync(s, ct);
        }
    }

    private static async Task<string> ReadLineAsync(Stream s, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await s.ReadAsync(one, ct) == 0) throw new IOException("connection closed inside a chunked body");
            if (one[0] == '\n') return sb.ToString().TrimEnd('\r');
            sb.Append((char)one[0]);
        }
    }
}
