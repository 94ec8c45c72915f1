using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Bosun.Client;

/// <summary>A join that must not go on: wrong CA hash, refused or failed certificate request.</summary>
public sealed class NodeBootstrapException(string message) : Exception(message);

/// <summary>
/// How a node joins (kubeadm's TLS bootstrap): fetch the cluster CA from <c>/cacerts</c> and pin it by the hash from
/// the join command, authenticate with the bootstrap token, file a CertificateSigningRequest for
/// <c>system:node:&lt;name&gt;</c> in <c>system:nodes</c> (signer <c>kubernetes.io/kube-apiserver-client-kubelet</c>),
/// wait for the server to approve and sign it, and write a kubeconfig with the node's own certificate.
/// </summary>
public static class NodeBootstrap
{
    public const string KubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet";

    /// <summary>
    /// Joins and returns the kubeconfig path (<c>&lt;dataDir&gt;/agent/kubelet.kubeconfig</c>, 0600, with
    /// <c>client.key</c>, <c>client.crt</c> and <c>ca.crt</c> beside it). <paramref name="caHash"/> is
    /// <c>sha256:&lt;hex&gt;</c> (or bare hex) of the CA certificate's DER or of its public key (kubeadm's form).
    /// Rejoining under the same name works: each join files a new request.
    /// </summary>
    public static async Task<string> JoinAsync(Uri server, string token, string caHash, string nodeName, string dataDir,
        CancellationToken ct, TimeSpan? timeout = null)
    {
        var ca = await FetchPinnedCaAsync(server, caHash, ct).ConfigureAwait(false);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csrPem = CertificateRequestPem(key, nodeName);
        using var api = new ApiClient(PinnedHttp(server, ca, token), ownsHttp: true);
        var created = await api.CreateAsync(null, new V1CertificateSigningRequest
        {
            Metadata = new V1ObjectMeta { GenerateName = "node-csr-" },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.ASCII.GetBytes(csrPem),
                SignerName = KubeletClientSigner,
                Usages = ["digital signature", "client auth"],
            },
        }, ct).ConfigureAwait(false);
        var certificatePem = await WaitForCertificateAsync(api, created.Metadata.Name, timeout ?? TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        return Write(dataDir, server, ca, certificatePem, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The hash forms a join command may carry for <paramref name="ca"/>: sha256 of the DER certificate and of its SubjectPublicKeyInfo.</summary>
    public static (string Der, string PublicKey) CaHashes(X509Certificate2 ca) =>
        (Convert.ToHexStringLower(SHA256.HashData(ca.RawData)), Convert.ToHexStringLower(SHA256.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo())));

    private static async Task<X509Certificate2> FetchPinnedCaAsync(Uri server, string caHash, CancellationToken ct)
    {
        var wanted = caHash.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? caHash[7..].ToLowerInvariant() : caHash.ToLowerInvariant();
        // The CA is not trusted yet, so neither is the server's certificate: what arrives is checked against the hash instead.
        using var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        var pem = await http.GetStringAsync("/cacerts", ct).ConfigureAwait(false);
        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException)
        {
            throw new NodeBootstrapException($"{server} did not answer /cacerts with a PEM certificate; refusing to join");
        }
        var (der, spki) = CaHashes(ca);
        if (wanted != der && wanted != spki)
        {
            ca.Dispose();
            throw new NodeBootstrapException($"the cluster CA of {server} has hash sha256:{der}, not the sha256:{wanted} of the join command; refusing to join");
        }
        return ca;
    }

    internal static string CertificateRequestPem(ECDsa key, string nodeName)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("system:nodes");
        subject.AddCommonName("system:node:" + nodeName);
        return new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    internal static async Task<string> WaitForCertificateAsync(ApiClient api, string name, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var csr = await api.GetAsync<V1CertificateSigningRequest>(null, name, deadline.Token).ConfigureAwait(false);
                if (csr.Status?.Conditions?.FirstOrDefault(c => c.Type is "Denied" or "Failed" && c.Status == "True") is { } refused)
                    throw new NodeBootstrapException($"certificate request {name} was {refused.Type.ToLowerInvariant()}: {refused.Message}");
                if (csr.Status?.Certificate is { Length: > 0 } cert) return Encoding.ASCII.GetString(cert);
                await Task.Delay(200, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new NodeBootstrapException($"certificate request {name} was not signed within {timeout.TotalSeconds:0} s");
        }
    }

    private static HttpClient PinnedHttp(Uri server, X509Certificate2 ca, string token)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && ServerTrust.ChainsTo(cert, ca) },
        };
        var http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        http.DefaultRequestHeaders.UserAgent.ParseAdd("bosun-node-bootstrap");
        return http;
    }

    internal static string Write(string dataDir, Uri server, X509Certificate2 ca, string certificatePem, string keyPem)
    {
        var dir = Path.Combine(dataDir, "agent");
        Directory.CreateDirectory(dir);
        var caPem = ca.ExportCertificatePem() + "\n";
        WritePrivate(Path.Combine(dir, "client.key"), keyPem + "\n");
        File.WriteAllText(Path.Combine(dir, "client.crt"), certificatePem);
        File.WriteAllText(Path.Combine(dir, "ca.crt"), caPem);
        string B64(string s) => Convert.ToBase64String(Encoding.ASCII.GetBytes(s));
        var kubeconfig = Path.Combine(dir, "kubelet.kubeconfig");
        WritePrivate(kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: bosun
              cluster:
                server: {server.ToString().TrimEnd('/')}
                certificate-authority-data: {B64(caPem)}
            users:
            - name: node
              user:
                client-certificate-data: {B64(certificatePem)}
                client-key-data: {B64(keyPem + "\n")}
            contexts:
            - name: node@bosun
              context:
                cluster: bosun
                user: node
            current-context: node@bosun

            """);
        return kubeconfig;
    }

    /// <summary>Creates the file 0600 before anything is written, so the key is never readable by others.</summary>
    private static void WritePrivate(string path, string content)
    {
        var tmp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(tmp, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        File.Move(tmp, path, overwrite: true);
    }
}
