using System.Net.Sockets;

namespace Bosun.Client;

/// <summary>
/// Sends each request to the current API server of a list and moves to the next one when the current one cannot be
/// reached (connection refused, host unreachable, connect timeout), as k3s' agent load balancer does. A request that
/// never connected is safe to send again, so it is retried on the next server at once; a request that failed after
/// connecting (the server died mid-answer) is not resent here — its caller retries (informers resume their watch from
/// the last resourceVersion, on whichever server is current by then). The list can be replaced while running
/// (<see cref="ApiServerEndpoints"/> keeps it in step with the <c>default/kubernetes</c> Endpoints).
/// </summary>
public sealed class ServerFailover : DelegatingHandler
{
    private readonly Lock gate = new();
    private readonly IReadOnlyList<Uri> configured;
    private List<Uri> servers;
    private int current;

    /// <param name="servers">The servers to use, first preferred; each <c>https://host:port</c>.</param>
    public ServerFailover(IEnumerable<Uri> servers)
    {
        configured = servers.Select(Normalize).Distinct().ToList();
        if (configured.Count == 0) throw new ArgumentException("at least one API server URL is required", nameof(servers));
        this.servers = [.. configured];
    }

    /// <summary>Raised with the new server after a move (for logs).</summary>
    public event Action<Uri, Uri>? Moved;

    /// <summary>The server requests go to now.</summary>
    public Uri Current
    {
        get { lock (gate) return servers[current]; }
    }

    public IReadOnlyList<Uri> Servers
    {
        get { lock (gate) return [.. servers]; }
    }

    /// <summary>
    /// Replaces the list with <paramref name="discovered"/> plus the servers given at start (kept as a last resort, as
    /// k3s keeps its default server); the current server stays current while it is on the list.
    /// </summary>
    public void SetServers(IEnumerable<Uri> discovered)
    {
        var next = discovered.Select(Normalize).Concat(configured).Distinct().ToList();
        lock (gate)
        {
            var now = servers[current];
            servers = next;
            current = Math.Max(0, next.IndexOf(now));
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var pathAndQuery = request.RequestUri!.PathAndQuery;
        var tried = 0;
        while (true)
        {
            var server = Current;
            request.RequestUri = new Uri(server, pathAndQuery);
            try
            {
                return await base.SendAsync(request, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && IsUnreachable(e) && ++tried < Servers.Count)
            {
                MoveOff(server);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && IsUnreachable(e))
            {
                MoveOff(server);   // every server refused: the next call starts on the next one
                throw;
            }
        }
    }

    /// <summary>Makes the server after <paramref name="failed"/> current, unless another request already moved on.</summary>
    private void MoveOff(Uri failed)
    {
        Uri next;
        lock (gate)
        {
            if (servers[current] != failed) return;
            current = (current + 1) % servers.Count;
            next = servers[current];
        }
        Moved?.Invoke(failed, next);
    }

    /// <summary>The request never reached a server: the connection could not be made.</summary>
    public static bool IsUnreachable(Exception e) => e switch
    {
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } => true,
        HttpRequestException { InnerException: SocketException s } => s.SocketErrorCode is SocketError.ConnectionRefused
            or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut,
        OperationCanceledException { InnerException: TimeoutException } => true,   // SocketsHttpHandler.ConnectTimeout
        _ => false,
    };

    private static Uri Normalize(Uri server) => new(server.GetLeftPart(UriPartial.Authority) + "/");
}
