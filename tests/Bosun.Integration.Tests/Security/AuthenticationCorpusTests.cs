using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Security.Bootstrap;
using Bosun.ApiServer.Security.ServiceAccounts;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests.Security;

/// <summary>
/// The authentication bad-input corpus, over real HTTPS with hand-written requests (so malformed headers reach the
/// server as sent): every bad credential is 401 with kube-apiserver's Status body, never a 500 and never anonymous
/// access (anonymous is off). Each family has a control that the same path accepts, so the corpus cannot pass by
/// refusing everything.
/// </summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class AuthenticationCorpusTests(ServerFixture fixture)
{
    private const string Path = "/api/v1/namespaces/default/configmaps";
    private TestServer Server => fixture.Server;

    /// <summary>A request's credentials: the raw Authorization header value (bytes as sent) and a client certificate.</summary>
    private sealed record Credential(byte[]? Authorization, X509Certificate2? Certificate = null)
    {
        public static Credential Header(string value) => new(Encoding.UTF8.GetBytes(value));
        public static Credential Bearer(string token) => Header("Bearer " + token);
        public static Credential Cert(X509Certificate2 cert) => new(null, cert);
    }

    public static TheoryData<string> Rejected =>
    [
        "no credentials", "empty Authorization", "Bearer with nothing", "Bearer and a space", "Basic credentials", "unknown scheme",
        "non-ASCII token", "huge token", "garbage token", "admin token with one more character", "two tokens",
        "truncated service account token", "tampered service account payload", "service account token signed by another key",
        "unsigned service account token (alg none)", "expired service account token", "not-yet-valid service account token",
        "service account token for another audience", "service account token from another issuer",
        "bootstrap token with wrong secret", "bootstrap token whose secret expired", "malformed bootstrap token",
        "client certificate from another CA", "self-signed client certificate", "expired client certificate from the cluster CA",
        "not-yet-valid client certificate from the cluster CA",
    ];

    public static TheoryData<string> Accepted =>
    [
        "admin token", "admin token with lowercase scheme", "service account token", "bootstrap token", "client certificate from the cluster CA",
    ];

    [Theory]
    [MemberData(nameof(Rejected))]
    public async Task BadCredential_Is401WithKubernetesStatus(string name)
    {
        var (code, body) = await SendAsync(await CredentialAsync(name));

        Assert.Equal(401, code);
        var status = JsonNode.Parse(body)!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("v1", (string?)status["apiVersion"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("Unauthorized", (string?)status["message"]);
        Assert.Equal("Unauthorized", (string?)status["reason"]);
        Assert.Equal(401, (int?)status["code"]);
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    public async Task GoodCredential_IsNot401(string name)
    {
        var (code, body) = await SendAsync(await CredentialAsync(name));
        // Authenticated: the answer is about authorization or the list itself, not the credential.
        Assert.True(code is 200 or 403, $"{name}: {code} {body}");
    }

    /// <summary>Beyond Kestrel's header size limit the request is refused before authentication, still not a 500.</summary>
    [Fact]
    public async Task TokenLargerThanTheHeaderLimit_Is431()
    {
        var (code, _) = await SendAsync(Credential.Bearer(new string('a', 64 * 1024)));
        Assert.Equal(431, code);
    }

    private async Task<Credential> CredentialAsync(string name) => name switch
    {
        "no credentials" => new Credential(null),
        "empty Authorization" => Credential.Header(""),
        "Bearer with nothing" => Credential.Header("Bearer"),
        "Bearer and a space" => Credential.Header("Bearer "),
        "Basic credentials" => Credential.Header("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:" + Server.Host.AdminToken))),
        "unknown scheme" => Credential.Header("Token " + Server.Host.AdminToken),
        "non-ASCII token" => Credential.Bearer("tök€n-" + Server.Host.AdminToken),
        "huge token" => Credential.Bearer(new string('x', 16 * 1024)),
        "garbage token" => Credential.Bearer("\u0001\u0002garbage;;\"'"),
        "admin token with one more character" => Credential.Bearer(Server.Host.AdminToken + "x"),
        "two tokens" => Credential.Header($"Bearer {Server.Host.AdminToken}x {Server.Host.AdminToken}"),
        "admin token" => Credential.Bearer(Server.Host.AdminToken),
        "admin token with lowercase scheme" => Credential.Header("bearer " + Server.Host.AdminToken),

        "service account token" => Credential.Bearer(await ServiceAccountTokenAsync(Tokens(Server.Host.ServiceAccountTokens.Issuer, TimeProvider.System))),
        "truncated service account token" => Credential.Bearer((await ServiceAccountTokenAsync(Tokens(Server.Host.ServiceAccountTokens.Issuer, TimeProvider.System)))[..^12]),
        "tampered service account payload" => Credential.Bearer(Tamper(await ServiceAccountTokenAsync(Tokens(Server.Host.ServiceAccountTokens.Issuer, TimeProvider.System)))),
        "service account token signed by another key" => Credential.Bearer(await ServiceAccountTokenAsync(
            new ServiceAccountTokens(ServiceAccountKey.Ephemeral(), Server.Host.ServiceAccountTokens.Issuer, TimeProvider.System))),
        "unsigned service account token (alg none)" => Credential.Bearer(Unsigned(await ServiceAccountTokenAsync(Tokens(Server.Host.ServiceAccountTokens.Issuer, TimeProvider.System)))),
        "expired service account token" => Credential.Bearer(await ServiceAccountTokenAsync(Tokens(Server.Host.ServiceAccountTokens.Issuer, Clock(TimeSpan.FromHours(-3))))),
        "not-yet-valid service account token" => Credential.Bearer(await ServiceAccountTokenAsync(Tokens(Server.Host.ServiceAccountTokens.Issuer, Clock(TimeSpan.FromMinutes(10))))),
        "service account token for another audience" => Credential.Bearer(await ServiceAccountTokenAsync(Tokens(Server.Host.ServiceAccountTokens.Issuer, TimeProvider.System), "vault")),
        "service account token from another issuer" => Credential.Bearer(await ServiceAccountTokenAsync(Tokens("https://elsewhere.example", TimeProvider.System), "https://elsewhere.example")),

        "bootstrap token" => Credential.Bearer(await BootstrapTokenAsync(TimeSpan.FromHours(1))),
        "bootstrap token with wrong secret" => Credential.Bearer((await BootstrapTokenAsync(TimeSpan.FromHours(1)))[..7] + "0123456789abcdef"),
        "bootstrap token whose secret expired" => Credential.Bearer(await BootstrapTokenAsync(TimeSpan.FromSeconds(-5))),
        "malformed bootstrap token" => Credential.Bearer((await BootstrapTokenAsync(TimeSpan.FromHours(1))).Replace('.', ':')),

        "client certificate from the cluster CA" => Credential.Cert(ClusterSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1))),
        "client certificate from another CA" => Credential.Cert(OtherCaSigned()),
        "self-signed client certificate" => Credential.Cert(Certificates.Make(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), null)),
        "expired client certificate from the cluster CA" => Credential.Cert(ExpiredClusterSigned()),
        "not-yet-valid client certificate from the cluster CA" => Credential.Cert(ClusterSigned(DateTimeOffset.UtcNow.AddMinutes(10), DateTimeOffset.UtcNow.AddHours(1))),
        _ => throw new ArgumentException("unknown case " + name),
    };

    private ServiceAccountTokens Tokens(string issuer, TimeProvider clock) =>
        new(ServiceAccountKey.LoadOrCreate(Server.Host.Pki.Directory), issuer, clock);

    private static TimeProvider Clock(TimeSpan offset) => new ShiftedClock(offset);

    /// <summary>The real clock moved by an offset: a signer that lives in the past or the future.</summary>
    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + offset;
    }

    /// <summary>A one-hour token for a real service account, as the given signer would issue it.</summary>
    private async Task<string> ServiceAccountTokenAsync(ServiceAccountTokens signer, string? audience = null)
    {
        var ns = await Server.NewNamespaceAsync("authn");
        var sa = await Server.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "reader" } }, ns);
        var claims = signer.NewClaims(ns, "reader", sa.Metadata.Uid, [audience ?? Server.Host.ServiceAccountTokens.Issuer], TimeSpan.FromHours(1), null);
        return signer.Issue(claims);
    }

    /// <summary>The same signature over a payload naming another account.</summary>
    private static string Tamper(string jwt)
    {
        var parts = jwt.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace(":reader\"", ":admin\"", StringComparison.Ordinal);
        return $"{parts[0]}.{Base64UrlEncode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";
    }

    private static string Unsigned(string jwt) => $"{Base64UrlEncode("""{"alg":"none","typ":"JWT"}"""u8.ToArray())}.{jwt.Split('.')[1]}.";

    private static byte[] Base64UrlDecode(string s)
    {
        var b = s.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(b.PadRight(b.Length + ((4 - (b.Length % 4)) % 4), '='));
    }

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<string> BootstrapTokenAsync(TimeSpan ttl)
    {
        var token = BootstrapToken.Generate();
        await Server.Client.CoreV1.CreateNamespacedSecretAsync(BootstrapToken.Secret(token, ttl, DateTimeOffset.UtcNow), "kube-system");
        return token;
    }

    private X509Certificate2 ClusterCa() => X509Certificate2.CreateFromPemFile(
        System.IO.Path.Combine(Server.Host.Pki.Directory, "ca.crt"), System.IO.Path.Combine(Server.Host.Pki.Directory, "ca.key"));

    private X509Certificate2 ClusterSigned(DateTimeOffset from, DateTimeOffset to)
    {
        using var ca = ClusterCa();
        return Certificates.Make(from, to, ca);
    }

    /// <summary>The CA is back-dated by an hour; a certificate that lived for a minute inside that hour is expired now.</summary>
    private X509Certificate2 ExpiredClusterSigned()
    {
        using var ca = ClusterCa();
        var start = new DateTimeOffset(ca.NotBefore.ToUniversalTime()).AddSeconds(1);
        return Certificates.Make(start, start.AddMinutes(1), ca);
    }

    private static X509Certificate2 OtherCaSigned()
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=kubernetes", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        using var otherCa = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        return Certificates.Make(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), otherCa);
    }

    /// <summary>One HTTP/1.1 request written by hand over TLS; answers the status code and body.</summary>
    private async Task<(int Code, string Body)> SendAsync(Credential credential)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Server.Host.Url.Host, Server.Host.Url.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ClientCertificates = credential.Certificate is null ? null : [credential.Certificate],
            LocalCertificateSelectionCallback = (_, _, certs, _, _) => credential.Certificate!,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        });
        using var request = new MemoryStream();
        request.Write(Encoding.ASCII.GetBytes($"GET {Path} HTTP/1.1\r\nHost: {Server.Host.Url.Authority}\r\nAccept: application/json\r\nConnection: close\r\n"));
        if (credential.Authorization is { } auth)
        {
            request.Write("Authorization: "u8);
            request.Write(auth);
            request.Write("\r\n"u8);
        }
        request.Write("\r\n"u8);
        await tls.WriteAsync(request.ToArray());
        using var response = new MemoryStream();
        await tls.CopyToAsync(response);
        return Parse(Encoding.UTF8.GetString(response.ToArray()));
    }

    private static (int Code, string Body) Parse(string response)
    {
        var statusLine = response[..response.IndexOf("\r\n", StringComparison.Ordinal)];
        var code = int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headerEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = response[..headerEnd];
        var body = response[(headerEnd + 4)..];
        if (headers.Contains("Transfer-Encoding: chunked", StringComparison.OrdinalIgnoreCase)) body = Dechunk(body);
        return (code, body);
    }

    private static string Dechunk(string chunked)
    {
        var sb = new StringBuilder();
        var i = 0;
        while (i < chunked.Length)
        {
            var lineEnd = chunked.IndexOf("\r\n", i, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[i..lineEnd].Split(';')[0], 16);
            if (size == 0) break;
            sb.Append(chunked, lineEnd + 2, size);
            i = lineEnd + 2 + size + 2;
        }
        return sb.ToString();
    }
}

/// <summary>Client certificates for <c>system:admin</c> in <c>system:masters</c>, signed by a given CA or self-signed.</summary>
internal static class Certificates
{
    public static X509Certificate2 Make(DateTimeOffset from, DateTimeOffset to, X509Certificate2? issuer)
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=system:admin, O=system:masters", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = issuer is null ? request.CreateSelfSigned(from, to)
            : request.Create(issuer, from, to, [1, 2, 3, 4]).CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
