using System.Net;
using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Bosun.ApiServer.Security;

/// <summary>Configures the API server's single HTTPS endpoint on Kestrel.</summary>
public static class KestrelHttps
{
    /// <summary>
    /// Listens on <paramref name="bind"/>:<paramref name="port"/> with TLS 1.2+, HTTP/1.1 and HTTP/2 (kubectl negotiates h2 for
    /// ordinary requests; exec/port-forward upgrades arrive without ALPN and need HTTP/1.1), serving
    /// <see cref="ClusterPki.ServingCertificate"/>. Client certificates are requested but optional and not checked here.
    /// </summary>
    public static void Configure(KestrelServerOptions o, IPAddress bind, int port, ClusterPki pki)
    {
        ArgumentNullException.ThrowIfNull(o);
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(pki);

        o.AddServerHeader = false;
        o.Listen(bind, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                // Read per handshake, so a certificate renewed by ClusterPki.Refresh is served without a restart.
                ServerCertificateSelector = (_, _) => pki.ServingCertificate,
                SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,

                // Accept every certificate at the TLS layer: a failed handshake would show kubectl a TLS error instead of the
                // 401 Status, and token users may present no certificate at all. X509Authenticator does the real check.
                ClientCertificateValidation = static (_, _, _) => true,
            });
        });
    }
}
