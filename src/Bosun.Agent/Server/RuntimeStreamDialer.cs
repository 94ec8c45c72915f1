using System.Net.Sockets;
using Bosun.Streaming.Channels;
using Bosun.Streaming.Http;

namespace Bosun.Agent.Server;

/// <summary>
/// Opens a SPDY/3.1 upgrade on one of the runtime's single-use streaming URLs (CRI Exec/Attach/PortForward answers, e.g.
/// <c>http://127.0.0.1:33577/exec/UrC_A9-w</c>). Only plain-HTTP URLs on loopback are dialled: the runtime's streaming
/// server is configured there, and nothing else should be reachable through the agent.
/// </summary>
internal static class RuntimeStreamDialer
{
    public static async Task<UpgradeResponse> UpgradeAsync(string url, IEnumerable<string> protocols, CancellationToken ct)
    {
        var uri = new Uri(url);
        if (uri.Scheme != "http" || !System.Net.IPAddress.TryParse(uri.Host, out var ip) || !System.Net.IPAddress.IsLoopback(ip))
            throw new InvalidOperationException($"runtime streaming URL is not plain HTTP on loopback: {url}");
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(ip, uri.Port, ct);
            var stream = client.GetStream();
            List<KeyValuePair<string, string>> headers =
            [
                new("Connection", "Upgrade"),
                new("Upgrade", StreamProtocols.SpdyUpgrade),
                .. protocols.Select(p => new KeyValuePair<string, string>(StreamProtocols.ProtocolHeader, p)),
                new("Content-Length", "0"),
            ];
            var response = await HttpUpgradeClient.SendAsync(stream, "POST", uri.PathAndQuery, uri.Authority, headers, ct);
            if (!response.Upgraded) client.Dispose();
            return response;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
