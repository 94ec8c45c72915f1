using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.ApiServer.Security;

/// <summary>
/// The cluster's certificate authority and the certificates issued from it, kept as PEM files in one directory
/// (e.g. <c>&lt;data-dir&gt;/server/tls/</c>): <c>ca.crt/ca.key</c>, <c>serving.crt/serving.key</c>, <c>admin.crt/admin.key</c>.
/// </summary>
public sealed class ClusterPki : IDisposable
{
    public const string CaCertFile = "ca.crt";
    public const string CaKeyFile = "ca.key";
    public const string ServingCertFile = "serving.crt";
    public const string ServingKeyFile = "serving.key";
    public const string AdminCertFile = "admin.crt";
    public const string AdminKeyFile = "admin.key";

    private static readonly TimeSpan CaValidity = TimeSpan.FromDays(3650);
    private static readonly TimeSpan LeafValidity = TimeSpan.FromDays(365);

    /// <summary>Leaves closer than this to expiry are reissued on start, so a long-running server never serves an expired one.</summary>
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    private readonly X509Certificate2 _caWithKey;
    private readonly TimeProvider _time;

    private ClusterPki(string dir, X509Certificate2 caWithKey, X509Certificate2 serving, X509Certificate2 admin, TimeProvider time)
    {
        Directory = dir;
        _caWithKey = caWithKey;
        _time = time;
        CaCertificate = X509CertificateLoader.LoadCertificate(caWithKey.RawData);
        CaPem = CertificateFactory.CertificatePem(caWithKey);
        ServingCertificate = serving;
        AdminCertificate = admin;
        AdminCertificatePem = CertificateFactory.CertificatePem(admin);
        AdminKeyPem = CertificateFactory.KeyPem(admin);
    }

    /// <summary>The directory holding the PEM files.</summary>
    public string Directory { get; }

    /// <summary>The CA certificate without its private key; the trust anchor for client certificates.</summary>
    public X509Certificate2 CaCertificate { get; }

    /// <summary>The CA certificate as PEM, for kubeconfig <c>certificate-authority-data</c> and the <c>kube-root-ca.crt</c> ConfigMap.</summary>
    public string CaPem { get; }

    /// <summary>The API serving certificate with its private key, ready for Kestrel.</summary>
    public X509Certificate2 ServingCertificate { get; }

    /// <summary>The admin client certificate (CN <c>system:admin</c>, O <c>system:masters</c>) with its private key.</summary>
    public X509Certificate2 AdminCertificate { get; }

    /// <summary>PEM of <see cref="AdminCertificate"/>, for kubeconfig <c>client-certificate-data</c>.</summary>
    public string AdminCertificatePem { get; }

    /// <summary>PKCS#8 PEM of the admin private key, for kubeconfig <c>client-key-data</c>.</summary>
    public string AdminKeyPem { get; }

    /// <summary>
    /// Loads the PKI from <paramref name="dir"/>, creating what is missing. The CA is created only when its certificate or key
    /// is missing or unreadable (and then every leaf is reissued, since the old ones no longer chain). The serving certificate
    /// is reissued when it is missing, does not chain to the CA, expires within 30 days, or lacks a SAN now required by
    /// <paramref name="options"/> or the host's addresses. The admin certificate is reissued on the same terms, minus SANs.
    /// </summary>
    public static ClusterPki LoadOrCreate(string dir, PkiOptions options, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(dir);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);

        SecureFiles.EnsureDirectory(dir);
        var now = time.GetUtcNow();

        var ca = CertificateFactory.TryLoad(Path.Combine(dir, CaCertFile), Path.Combine(dir, CaKeyFile));
        if (ca is null)
        {
            ca = CertificateFactory.CreateCa("bosun-ca", now, CaValidity);
            Save(dir, CaCertFile, CaKeyFile, ca);
        }

        var names = ServingNames.Compute(options);
        var serving = LoadLeaf(dir, ServingCertFile, ServingKeyFile, ca, now, SecurityNames.ServerAuthOid);
        if (serving is not null && !names.AreCoveredBy(serving))
        {
            serving.Dispose();
            serving = null;
        }

        if (serving is null)
        {
            serving = CertificateFactory.CreateServing(ca, names.DnsNames, names.Addresses, now, LeafValidity);
            Save(dir, ServingCertFile, ServingKeyFile, serving);
        }

        var admin = LoadLeaf(dir, AdminCertFile, AdminKeyFile, ca, now, SecurityNames.ClientAuthOid);
        if (admin is null)
        {
            admin = CertificateFactory.CreateClient(ca, SecurityNames.AdminUser, [SecurityNames.MastersGroup], now, LeafValidity);
            Save(dir, AdminCertFile, AdminKeyFile, admin);
        }

        return new ClusterPki(dir, ca, serving, admin, time);
    }

    /// <summary>
    /// Issues a client certificate (CN = user, O = groups) signed by the cluster CA, e.g. for a node agent.
    /// Nothing is written to disk; the caller owns the returned certificate, which carries its private key.
    /// </summary>
    public X509Certificate2 IssueClientCertificate(string user, IEnumerable<string> groups, TimeSpan validity)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        return CertificateFactory.CreateClient(_caWithKey, user, groups, _time.GetUtcNow(), validity);
    }

    /// <summary>
    /// Signs a PKCS#10 request (PEM) as a client certificate of the cluster CA, keeping only its subject and public key:
    /// extensions are Bosun's own (client auth), so a request cannot ask for a CA or server certificate.
    /// Throws <see cref="CryptographicException"/> or <see cref="ArgumentException"/> for a malformed or unsigned request.
    /// </summary>
    public X509Certificate2 SignClientRequest(string requestPem, TimeSpan validity)
    {
        var request = CertificateRequest.LoadSigningRequestPem(requestPem, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Clear();
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(SecurityNames.ClientAuthOid)], false));
        var now = _time.GetUtcNow();
        var notAfter = now + validity < _caWithKey.NotAfter ? now + validity : new DateTimeOffset(_caWithKey.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        return request.Create(_caWithKey, now.AddMinutes(-5), notAfter, serial);
    }

    /// <summary>The certificate as PEM; pairs with <see cref="ExportKeyPem"/> for kubeconfigs of issued certificates.</summary>
    public static string ExportCertificatePem(X509Certificate2 cert) => CertificateFactory.CertificatePem(cert);

    /// <summary>The certificate's ECDSA private key as PKCS#8 PEM.</summary>
    public static string ExportKeyPem(X509Certificate2 cert) => CertificateFactory.KeyPem(cert);

    public void Dispose()
    {
        _caWithKey.Dispose();
        CaCertificate.Dispose();
        ServingCertificate.Dispose();
        AdminCertificate.Dispose();
    }

    private static X509Certificate2? LoadLeaf(string dir, string certFile, string keyFile, X509Certificate2 ca, DateTimeOffset now, string eku)
    {
        var cert = CertificateFactory.TryLoad(Path.Combine(dir, certFile), Path.Combine(dir, keyFile));
        if (cert is null)
        {
            return null;
        }

        var fresh = CertificateValidation.ChainsTo(cert, ca, now, eku)
            && new DateTimeOffset(cert.NotAfter.ToUniversalTime()) - now > RenewBefore;
        if (fresh)
        {
            return cert;
        }

        cert.Dispose();
        return null;
    }

    /// <summary>Writes the key before the certificate, so a crash in between leaves a cert/key mismatch that the next start repairs.</summary>
    private static void Save(string dir, string certFile, string keyFile, X509Certificate2 cert)
    {
        SecureFiles.WriteAllText(Path.Combine(dir, keyFile), CertificateFactory.KeyPem(cert), SecureFiles.Private);
        SecureFiles.WriteAllText(Path.Combine(dir, certFile), CertificateFactory.CertificatePem(cert), SecureFiles.Public);
    }
}
