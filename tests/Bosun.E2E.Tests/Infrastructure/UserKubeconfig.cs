using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;

namespace Bosun.E2E.Tests.Infrastructure;

/// <summary>Kubeconfigs for other identities on the same cluster: the admin kubeconfig's server and CA with another user.</summary>
internal static class UserKubeconfig
{
    /// <summary>Writes a kubeconfig whose user presents <paramref name="token"/>; returns its path.</summary>
    public static Task<string> WithTokenAsync(ServerFixture fixture, string fileName, string token) =>
        WriteAsync(fixture, fileName, $"token: {token}");

    /// <summary>
    /// Writes a kubeconfig with a client certificate for <paramref name="user"/> in <paramref name="groups"/>, signed
    /// with the cluster CA key from the server's data directory (what an administrator would do with openssl).
    /// </summary>
    public static Task<string> WithClientCertificateAsync(ServerFixture fixture, string fileName, string user, params string[] groups)
    {
        var tls = Path.Combine(fixture.Server.DataDir, "server", "tls");
        using var ca = X509Certificate2.CreateFromPemFile(Path.Combine(tls, "ca.crt"), Path.Combine(tls, "ca.key"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new StringBuilder($"CN={user}");
        foreach (var g in groups) subject.Append($", O={g}");
        var request = new CertificateRequest(subject.ToString(), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), serial);
        var certData = Convert.ToBase64String(Encoding.ASCII.GetBytes(cert.ExportCertificatePem()));
        var keyData = Convert.ToBase64String(Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()));
        return WriteAsync(fixture, fileName, $"client-certificate-data: {certData}\n    client-key-data: {keyData}");
    }

    private static async Task<string> WriteAsync(ServerFixture fixture, string fileName, string credentials)
    {
        var admin = await File.ReadAllTextAsync(fixture.Server.KubeconfigPath);
        var ca = Regex.Match(admin, @"certificate-authority-data:\s*(\S+)").Groups[1].Value;
        var server = Regex.Match(admin, @"server:\s*""?([^""\s]+)""?").Groups[1].Value;
        var path = fixture.Temp.Combine(fileName);
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: bosun
              cluster:
                certificate-authority-data: {ca}
                server: {server}
            users:
            - name: user
              user:
                {credentials}
            contexts:
            - name: user@bosun
              context:
                cluster: bosun
                user: user
            current-context: user@bosun
            """);
        return path;
    }
}
