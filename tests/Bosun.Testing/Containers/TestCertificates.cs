using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.Testing.Containers;

/// <summary>A throw-away CA and a server certificate for 127.0.0.1 signed by it, as PEM files (for a TLS test registry).</summary>
public static class TestCertificates
{
    public const string CaCert = "ca.crt";
    public const string ServerCert = "server.crt";
    public const string ServerKey = "server.key";

    /// <summary>Writes ca.crt, server.crt and server.key into <paramref name="dir"/>; returns the CA file's path.</summary>
    public static string Write(string dir)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=bosun test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));

        var caFile = Path.Combine(dir, CaCert);
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, ServerCert), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, ServerKey), serverKey.ExportPkcs8PrivateKeyPem());
        return caFile;
    }
}
