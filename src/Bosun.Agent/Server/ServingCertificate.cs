using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bosun.Agent.Server;

/// <summary>
/// The agent's self-signed serving certificate, kept under <c>&lt;data-dir&gt;/agent/tls/</c> like the kubelet's
/// <c>kubelet.crt</c>; the API server does not verify it (kube-apiserver's default for kubelets without a CA bundle).
/// </summary>
internal static class ServingCertificate
{
    public static X509Certificate2 LoadOrCreate(string dir, string hostName, IEnumerable<string> names, TimeProvider time)
    {
        Directory.CreateDirectory(dir);
        var certPath = Path.Combine(dir, "serving.crt");
        var keyPath = Path.Combine(dir, "serving.key");
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            try
            {
                using var existing = X509Certificate2.CreateFromPem(File.ReadAllText(certPath), File.ReadAllText(keyPath));
                if (existing.NotAfter.ToUniversalTime() > time.GetUtcNow().UtcDateTime.AddDays(30)) return Reimport(existing);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                // unreadable: make a new one
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}@{time.GetUtcNow().ToUnixTimeSeconds()}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostName);
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        foreach (var n in names)
        {
            if (IPAddress.TryParse(n, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(n);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddHours(-1), now.AddDays(365));
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem() + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(certPath, cert.ExportCertificatePem() + "\n");
        return Reimport(cert);
    }

    /// <summary>PKCS#12 round trip: SslStream on Linux needs a key that is not ephemeral.</summary>
    private static X509Certificate2 Reimport(X509Certificate2 cert) =>
        X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
}
