using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.Client;

/// <summary>
/// Builds the HTTP stack of an <see cref="ApiClient"/> from a kubeconfig file. A client certificate is taken from the file
/// on each new TLS connection (re-read when the file changes) and connections are recycled after
/// <c>connectionLifetime</c>, so a certificate rotated on disk (by the API server's rotation loop or
/// <c>bosun certificate rotate</c>) is picked up without restarting the component.
/// </summary>
internal static class KubeconfigClient
{
    public static ApiClient Create(string path, string userAgent, IEnumerable<Uri>? moreServers, TimeSpan? connectionLifetime)
    {
        var config = Kubeconfig.Load(path);
        var ca = config.CertificateAuthorities();
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                config.InsecureSkipTlsVerify || (ca is null ? errors == SslPolicyErrors.None : ServerTrust.Accepts(cert, errors, ca)),
        };
        if (config.ClientCertificatePem is not null)
        {
            var source = new KubeconfigCertificate(path);
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => source.Current();
        }
        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = connectionLifetime ?? TimeSpan.FromMinutes(10),
        };
        return ApiClient.WithFailover(handler, [config.Server, .. moreServers ?? []], userAgent, config.Token);
    }

    /// <summary>The kubeconfig's client certificate, re-read when the file's write time changes.</summary>
    private sealed class KubeconfigCertificate(string path)
    {
        private readonly Lock _gate = new();
        private X509Certificate2? _current;
        private DateTime _writeTime;

        public X509Certificate2 Current()
        {
            lock (_gate)
            {
                var writeTime = File.GetLastWriteTimeUtc(path);
                if (_current is null || writeTime != _writeTime)
                {
                    var config = Kubeconfig.Load(path);
                    if (config.ClientCertificatePem is null || config.ClientKeyPem is null)
                        throw new InvalidDataException($"kubeconfig {path}: the user has no client certificate and key");
                    using var pem = X509Certificate2.CreateFromPem(config.ClientCertificatePem, config.ClientKeyPem);
                    // PKCS#12 round trip: SslStream on Linux needs a key that is not ephemeral. The old one is left to
                    // the garbage collector, since a handshake may still hold it.
                    _current = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
                    _writeTime = writeTime;
                }
                return _current;
            }
        }
    }
}
