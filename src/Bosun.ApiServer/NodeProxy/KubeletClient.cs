using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.NodeProxy;

/// <summary>Where a node's agent listens: its address and <c>status.daemonEndpoints.kubeletEndpoint.Port</c>.</summary>
internal sealed record KubeletEndpoint(string Host, int Port)
{
    public string Authority => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// Connections from the API server to node agents over HTTPS, authenticated with a client certificate from the agent
/// CA (CN <c>kube-apiserver-kubelet-client</c>, O <c>system:masters</c>, as kubeadm names it), picked per handshake so a
/// renewed certificate is used without a restart. The agents' self-signed
/// serving certificates are not verified, which is kube-apiserver's behaviour without <c>--kubelet-certificate-authority</c>.
/// </summary>
internal sealed class KubeletClient : IDisposable
{
    public const string ClientCommonName = ClusterPki.KubeletClientUser;
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private readonly ClusterPki _pki;

    public KubeletClient(ClusterPki pki)
    {
        _pki = pki;
        Http = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = TlsOptions(),
            ConnectTimeout = ConnectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>For plain requests (logs); streaming bodies, so no overall timeout.</summary>
    public HttpClient Http { get; }

    /// <summary>A fresh TLS connection for one upgrade request (HTTP/1.1, no ALPN).</summary>
    public async Task<Stream> ConnectAsync(KubeletEndpoint endpoint, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ConnectTimeout);
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(endpoint.Host, endpoint.Port, timeout.Token);
            var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            var options = TlsOptions();
            options.TargetHost = endpoint.Host;
            await tls.AuthenticateAsClientAsync(options, timeout.Token);
            return tls;
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    private SslClientAuthenticationOptions TlsOptions() => new()
    {
        LocalCertificateSelectionCallback = (_, _, _, _, _) => _pki.KubeletClientCertificate,
        EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        RemoteCertificateValidationCallback = static (_, _, _, _) => true,
    };

    public void Dispose()
    {
        Http.Dispose();
    }
}
