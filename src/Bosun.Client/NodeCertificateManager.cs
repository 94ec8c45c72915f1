using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Bosun.Client;

/// <summary>
/// The kubelet's client certificate manager for a joined node: holds the node's certificate from
/// <c>&lt;data-dir&gt;/agent/client.crt</c>, hands it to every new TLS connection of the clients it makes (so a renewed
/// certificate is used without a restart), and before expiry files a new CertificateSigningRequest with the node's
/// own identity (approved by the server as <c>selfnodeclient</c>), then writes the new key, certificate and kubeconfig.
/// </summary>
public sealed class NodeCertificateManager
{
    /// <summary>Renew once less than this share of the certificate's lifetime is left (the kubelet renews at 70-90% elapsed).</summary>
    public const double RenewWhenLeft = 0.3;

    private readonly string _dataDir;
    private readonly Uri _server;
    private readonly X509Certificate2 _ca;
    private readonly TimeProvider _time;
    private X509Certificate2 _current;

    private NodeCertificateManager(string dataDir, Uri server, X509Certificate2 ca, X509Certificate2 current, TimeProvider time)
    {
        _dataDir = dataDir;
        _server = server;
        _ca = ca;
        _current = current;
        _time = time;
    }

    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>Loads what <see cref="NodeBootstrap.JoinAsync"/> wrote under <paramref name="dataDir"/>.</summary>
    public static NodeCertificateManager Load(string dataDir, Uri server, TimeProvider time)
    {
        var dir = Path.Combine(dataDir, "agent");
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "ca.crt")));
        return new NodeCertificateManager(dataDir, server, ca, LoadPair(dir), time);
    }

    /// <summary>
    /// An API client that trusts only the cluster CA and presents <see cref="Current"/> on every new connection; it moves to
    /// <paramref name="moreServers"/> when the first server stops answering.
    /// </summary>
    public ApiClient CreateClient(string userAgent, IEnumerable<Uri>? moreServers = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && ServerTrust.ChainsTo(cert, _ca),
                LocalCertificateSelectionCallback = (_, _, _, _, _) => Current,
            },
            EnableMultipleHttp2Connections = true,
            // Connections made with an old certificate are replaced in time; the old one stays valid until it expires anyway.
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
        };
        // A server that does not answer the connect is given up on quickly, for the next one.
        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        return ApiClient.WithFailover(handler, [_server, .. moreServers ?? []], userAgent);
    }

    /// <summary>True when less than <see cref="RenewWhenLeft"/> of the current certificate's lifetime is left.</summary>
    public bool IsDue()
    {
        var cert = Current;
        var lifetime = cert.NotAfter.ToUniversalTime() - cert.NotBefore.ToUniversalTime();
        return cert.NotAfter.ToUniversalTime() - _time.GetUtcNow().UtcDateTime < lifetime * RenewWhenLeft;
    }

    /// <summary>Files a CSR for the node's own name with its current credential (through <paramref name="api"/>), and swaps in the result.</summary>
    public async Task RenewAsync(ApiClient api, CancellationToken ct, TimeSpan? timeout = null)
    {
        var nodeName = Current.GetNameInfo(X509NameType.SimpleName, false)["system:node:".Length..];
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var created = await api.CreateAsync(null, new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { GenerateName = "node-csr-" },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.ASCII.GetBytes(NodeBootstrap.CertificateRequestPem(key, nodeName)),
                SignerName = NodeBootstrap.KubeletClientSigner,
                Usages = ["digital signature", "client auth"],
            },
        }, ct).ConfigureAwait(false);
        var pem = await NodeBootstrap.WaitForCertificateAsync(api, created.Metadata.Name, timeout ?? TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        NodeBootstrap.Write(_dataDir, _server, _ca, pem, key.ExportPkcs8PrivateKeyPem());
        Volatile.Write(ref _current, LoadPair(Path.Combine(_dataDir, "agent")));
    }

    /// <summary>Checks every <paramref name="period"/>; a failed renewal is retried on the next round (the old certificate still works).</summary>
    public async Task RunAsync(ApiClient api, TimeSpan period, Action<Exception> onError, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(period, _time, ct).ConfigureAwait(false);
            if (!IsDue()) continue;
            try
            {
                await RenewAsync(api, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ApiException or NodeBootstrapException or HttpRequestException or IOException or CryptographicException)
            {
                onError(e);
            }
        }
    }

    /// <summary>PKCS#12 round trip: SslStream on Linux needs a key that is not ephemeral.</summary>
    private static X509Certificate2 LoadPair(string dir)
    {
        using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(dir, "client.crt")), File.ReadAllText(Path.Combine(dir, "client.key")));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
