using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bosun.Client;

namespace Bosun.Server;

/// <summary>
/// How <c>bosun agent</c> reaches its server: a bearer token, and the cluster CA pinned — from <c>--server-ca</c>, or
/// the k3s-style token <c>K10&lt;sha256 of the CA's DER, hex&gt;::&lt;token&gt;</c> checked against the CA file. The
/// server's certificate is never trusted blindly.
/// </summary>
internal static class AgentJoin
{
    /// <summary>Splits a K10 token into the CA hash and the bearer token; a plain token has no hash.</summary>
    public static (string? CaHash, string Token) ParseToken(string token)
    {
        if (!token.StartsWith("K10", StringComparison.Ordinal)) return (null, token);
        var sep = token.IndexOf("::", StringComparison.Ordinal);
        if (sep < 0) throw new FormatException("a K10 token must look like K10<ca-sha256>::<token>");
        var hash = token[3..sep].ToLowerInvariant();
        if (hash.Length != 64 || !hash.All(Uri.IsHexDigit)) throw new FormatException("the CA hash of a K10 token must be 64 hex digits (sha256)");
        return (hash, token[(sep + 2)..]);
    }

    /// <summary>A bootstrap token (<c>[a-z0-9]{6}.[a-z0-9]{16}</c>) is only good for a certificate request, not as the node's credential.</summary>
    public static bool IsBootstrapToken(string token) =>
        token.Length == 23 && token[6] == '.' && token.Remove(6, 1).All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9');

    public static string CaHash(X509Certificate2 ca) => Convert.ToHexStringLower(SHA256.HashData(ca.RawData));

    /// <summary>The CA to trust: <paramref name="caFile"/> (checked against <paramref name="caHash"/> when both are given).</summary>
    public static X509Certificate2 LoadCa(string? caFile, string? caHash)
    {
        if (caFile is null)
            throw new ArgumentException("the server's CA is needed to trust it: pass --server-ca FILE (for a K10 token, the CA file its hash names)");
        var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        if (caHash is not null && CaHash(ca) != caHash)
            throw new ArgumentException($"--server-ca {caFile} does not match the CA hash in the token (sha256 {CaHash(ca)})");
        return ca;
    }

    /// <summary>An API client that sends the token and accepts only server certificates issued by <paramref name="ca"/>.</summary>
    public static ApiClient Client(IReadOnlyList<Uri> servers, string token, X509Certificate2 ca)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) => ServerTrust.Accepts(cert, errors, ca),
            },
            EnableMultipleHttp2Connections = true,
        };
        // A server that does not answer the connect is given up on quickly, for the next one.
        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        return ApiClient.WithFailover(handler, servers, "bosun-agent", token);
    }

    /// <summary>
    /// The server's agent CA from <c>/cacerts/agent</c>, fetched over TLS verified against the cluster CA; null when the
    /// server predates the agent CA (404) so the caller falls back to the cluster CA.
    /// </summary>
    public static async Task<string?> FetchAgentCaAsync(Uri server, string clusterCaPem, CancellationToken ct)
    {
        using var ca = X509Certificate2.CreateFromPem(clusterCaPem);
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, errors) => ServerTrust.Accepts(cert, errors, ca) },
        };
        using var http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(AgentCaPath, ct);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        var pem = await response.Content.ReadAsStringAsync(ct);
        using var parsed = X509Certificate2.CreateFromPem(pem);   // throws CryptographicException for anything else
        return pem;
    }

    /// <summary>Where the API server publishes its agent CA (ApiServer's AuthenticationMiddleware.AgentCaCertsPath).</summary>
    private const string AgentCaPath = "/cacerts/agent";
}
