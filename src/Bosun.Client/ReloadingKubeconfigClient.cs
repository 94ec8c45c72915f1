using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace Bosun.Client;

/// <summary>
/// An <see cref="ApiClient"/> for a client-certificate kubeconfig that follows the file: each new TLS connection presents
/// the certificate the kubeconfig holds at that moment, and connections are recycled after <c>connectionLifetime</c>, so
/// a certificate rotated on disk (by the API server's rotation loop or <c>bosun certificate rotate</c>) is picked up
/// without restarting the component that uses it.
/// </summary>
public static class ReloadingKubeconfigClient
{
    public static ApiClient Create(string kubeconfigPath, string userAgent, TimeSpan? connectionLifetime = null)
    {
        var source = new KubeconfigCertificate(kubeconfigPath);
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        var ca = config.SslCaCerts ?? throw new InvalidOperationException($"{kubeconfigPath} has no certificate-authority-data");
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) => cert is not null && Verify(cert, ca, errors),
                LocalCertificateSelectionCallback = (_, _, _, _, _) => source.Current(),
            },
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = connectionLifetime ?? TimeSpan.FromMinutes(10),
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri(config.Host), Timeout = Timeout.InfiniteTimeSpan, DefaultRequestVersion = new Version(2, 0) };
        http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        return new ApiClient(http, ownsHttp: true);
    }

    private static bool Verify(X509Certificate cert, X509Certificate2Collection ca, SslPolicyErrors errors)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
        return chain.Build(leaf);
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
                    var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
                    using var pem = X509Certificate2.CreateFromPem(
                        System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(config.ClientCertificateData)),
                        System.Text.Encoding.ASCII.GetString(Convert.FromBase64String(config.ClientCertificateKeyData)));
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
