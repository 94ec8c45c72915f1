using System.Text;
using Bosun.Streaming.Http;

namespace Bosun.Streaming.Tests;

public sealed class HttpUpgradeClientTests
{
    private static async Task<(UpgradeResponse Response, string Request)> SendAsync(string answer, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var (client, server) = DuplexStream.Pair();
        var serverTask = Task.Run(async () =>
        {
            var buf = new byte[4096];
            var got = new StringBuilder();
            while (!got.ToString().Contains("\r\n\r\n"))
            {
                var n = await server.ReadAsync(buf);
                got.Append(Encoding.ASCII.GetString(buf, 0, n));
            }
            await server.WriteAsync(Encoding.ASCII.GetBytes(answer));
            await server.FlushAsync();
            return got.ToString();
        });
        var response = await HttpUpgradeClient.SendAsync(client, "POST", "/exec/t0k3n?x=1", "127.0.0.1:1234",
            headers ?? [new("Upgrade", "SPDY/3.1"), new("X-Stream-Protocol-Version", "v4.channel.k8s.io"), new("X-Stream-Protocol-Version", "v3.channel.k8s.io")], default);
        return (response, await serverTask);
    }

    [Fact]
    public async Task A_101_answer_leaves_the_upgraded_bytes_unread_on_the_connection()
    {
        var (r, request) = await SendAsync("HTTP/1.1 101 Switching Protocols\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\nSPDYBYTES");
        Assert.StartsWith("POST /exec/t0k3n?x=1 HTTP/1.1\r\nHost: 127.0.0.1:1234\r\n", request);
        Assert.Contains("X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: v3.channel.k8s.io\r\n", request);
        Assert.True(r.Upgraded);
        Assert.Equal("v4.channel.k8s.io", r.Header("x-stream-protocol-version"));
        var rest = new byte[9];
        await r.Connection.ReadExactlyAsync(rest);
        Assert.Equal("SPDYBYTES", Encoding.ASCII.GetString(rest));
    }

    [Fact]
    public async Task Error_answers_carry_their_body_with_content_length_or_chunked()
    {
        var (plain, _) = await SendAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found");
        Assert.Equal(404, plain.StatusCode);
        Assert.Equal("not found", Encoding.ASCII.GetString(plain.Body));

        var (chunked, _) = await SendAsync("HTTP/1.1 400 Bad Request\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n");
        Assert.Equal(400, chunked.StatusCode);
        Assert.Equal("hello world", Encoding.ASCII.GetString(chunked.Body));
    }

    [Fact]
    public async Task Header_values_with_line_breaks_are_refused()
    {
        var (client, _) = DuplexStream.Pair();
        await Assert.ThrowsAsync<ArgumentException>(() => HttpUpgradeClient.SendAsync(client, "GET", "/", "h", [new("X", "a\r\nInjected: 1")], default));
    }
}
