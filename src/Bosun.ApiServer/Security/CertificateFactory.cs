using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.ApiServer.Security;

/// <summary>Creates the cluster's ECDSA P-256 certificates: the CA, the API serving certificate and client certificates.</summary>
internal static class CertificateFactory
{
    /// <summary>Back-dates notBefore so that nodes with a slightly slow clock accept a freshly issued certificate.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromHours(1);

    public static X509Certificate2 CreateCa(string commonName, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(commonName, []), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var cert = request.CreateSelfSigned(now - ClockSkew, now + validity);
        return Reimport(cert);
    }

    public static X509Certificate2 CreateServing(
        X509Certificate2 ca, IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> addresses,
        DateTimeOffset now, TimeSpan validity)
    {
        return Issue(ca, Subject("kube-apiserver", []), [SecurityNames.ServerAuthOid], San(dnsNames, addresses), now, validity);
    }

    private static X509Extension San(IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> addresses)
    {
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames)
        {
            san.AddDnsName(name);
        }

        foreach (var address in addresses)
        {
            san.AddIpAddress(address);
        }

        return san.Build();
    }

    public static X509Certificate2 CreateClient(
        X509Certificate2 ca, string commonName, IEnumerable<string> organizations, DateTimeOffset now, TimeSpan validity)
        => Issue(ca, Subject(commonName, organizations), [SecurityNames.ClientAuthOid], null, now, validity);

    /// <summary>A certificate for both ends of a TLS connection (etcd members serve clients and peers and dial peers).</summary>
    public static X509Certificate2 CreateServerAndClient(
        X509Certificate2 ca, string commonName, IReadOnlyCollection<string> dnsNames, IReadOnlyCollection<IPAddress> addresses,
        DateTimeOffset now, TimeSpan validity)
        => Issue(ca, Subject(commonName, []), [SecurityNames.ServerAuthOid, SecurityNames.ClientAuthOid], San(dnsNames, addresses), now, validity);

    /// <summary>PEM of the certificate followed by nothing else; kubeconfig and CA bundles take exactly this.</summary>
    public static string CertificatePem(X509Certificate2 cert) => cert.ExportCertificatePem() + "\n";

    /// <summary>PKCS#8 PEM of the private key; Go's tls.X509KeyPair and .NET's CreateFromPem both read it.</summary>
    public static string KeyPem(X509Certificate2 cert)
    {
        using var key = cert.GetECDsaPrivateKey() ?? throw new InvalidOperationException("Certificate has no ECDSA private key.");
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    /// <summary>
    /// Loads a certificate with its key from PEM, or returns null when the files are unreadable or do not belong together;
    /// the caller then regenerates them.
    /// </summary>
    public static X509Certificate2? TryLoad(string certPath, string keyPath)
    {
        if (!File.Exists(certPath) || !File.Exists(keyPath))
        {
            return null;
        }

        try
        {
            using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(certPath), File.ReadAllText(keyPath));
            return Reimport(cert);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// Round-trips through PKCS#12: keys attached with CopyWithPrivateKey/CreateFromPem are ephemeral, which SslStream
    /// on Windows cannot use for a handshake; the round-trip yields a certificate that works for Kestrel everywhere.
    /// </summary>
    public static X509Certificate2 Reimport(X509Certificate2 cert)
        => X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);

    private static X509Certificate2 Issue(
        X509Certificate2 ca, X500DistinguishedName subject, string[] ekuOids, X509Extension? san, DateTimeOffset now, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection().AddAll(ekuOids), false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        // CertificateRequest.Create refuses a validity outside the issuer's, so clamp to the CA's window.
        var notBefore = Max(now - ClockSkew, new DateTimeOffset(ca.NotBefore.ToUniversalTime()));
        var notAfter = Min(now + validity, new DateTimeOffset(ca.NotAfter.ToUniversalTime()));

        using var cert = request.Create(ca, notBefore, notAfter, NewSerial());
        using var withKey = cert.CopyWithPrivateKey(key);
        return Reimport(withKey);
    }

    private static OidCollection AddAll(this OidCollection oids, string[] values)
    {
        foreach (var value in values)
        {
            oids.Add(new Oid(value));
        }

        return oids;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static X500DistinguishedName Subject(string commonName, IEnumerable<string> organizations)
    {
        var builder = new X500DistinguishedNameBuilder();
        foreach (var organization in organizations)
        {
            builder.AddOrganizationName(organization);
        }

        builder.AddCommonName(commonName);
        return builder.Build();
    }

    /// <summary>16 random bytes with the top bit cleared, so the DER integer is positive as RFC 5280 requires.</summary>
    private static byte[] NewSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }
}
