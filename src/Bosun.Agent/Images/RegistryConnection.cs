using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Bosun.Agent.Images;

/// <summary>How to reach a registry from the command line: TLS trust and credentials.</summary>
internal sealed record RegistryConnectionOptions(bool Insecure, string? CaFile, string? Username, string? Password);

/// <summary>
/// Opens an HTTP client for a registry: HTTPS verified against the system roots or <c>--ca-file</c>; with
/// <c>--insecure</c>, HTTPS without verification and, when the registry does not speak TLS, plain HTTP (docker's
/// insecure-registries rule).
/// </summary>
internal static class RegistryConnection
{
    public static HttpClient CreateClient(RegistryConnectionOptions options)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = true };
        if (options.Insecure)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        else if (options.CaFile is { } caFile)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => Trusted(cert, errors, ca);
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(10) };
    }

    /// <summary>The registry's base URI: https, or http when insecure and TLS fails to connect.</summary>
    public static async Task<Uri> ResolveAsync(HttpClient http, string host, bool insecure, CancellationToken ct)
    {
        var https = new Uri($"https://{host}/");
        if (!insecure) return https;
        try
        {
            using var ping = await http.GetAsync(new Uri(https, "/v2/"), ct);
            return https;
        }
        catch (HttpRequestException)
        {
            return new Uri($"http://{host}/");
        }
    }

    public static AuthenticationHeaderValue? Basic(RegistryConnectionOptions options) =>
        options.Username is { } user
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{options.Password}")))
            : null;

    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2 ca)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var cert = new X509Certificate2(certificate);
        return chain.Build(cert);
    }
}
