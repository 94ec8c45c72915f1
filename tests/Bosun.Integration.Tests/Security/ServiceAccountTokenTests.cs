using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests.Security;

/// <summary>The TokenRequest API (<c>serviceaccounts/token</c>) and the service-account JWT authenticator, over HTTPS.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class ServiceAccountTokenTests(ServerFixture fixture)
{
    private TestServer Server => fixture.Server;

    private async Task<(string Ns, V1ServiceAccount Sa)> NewServiceAccountAsync()
    {
        var ns = await Server.NewNamespaceAsync("sa");
        var sa = await Server.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "builder" } }, ns);
        return (ns, sa);
    }

    private async Task<(HttpStatusCode Code, JsonObject Body)> RequestTokenAsync(string ns, string sa, object spec)
    {
        var body = Errors.Serialize(new { apiVersion = "authentication.k8s.io/v1", kind = "TokenRequest", spec });
        using var resp = await Server.Http.PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts/{sa}/token", Errors.Json(body));
        return (resp.StatusCode, JsonNode.Parse(await resp.Content.ReadAsStringAsync())!.AsObject());
    }

    /// <summary>GET the namespace's config maps with <paramref name="token"/>; the status code tells whether it authenticated.</summary>
    private async Task<HttpStatusCode> ReadWithAsync(string token, string ns)
    {
        using var http = TestServer.NewHttpClient(Server.Host.Url, token);
        using var resp = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps");
        return resp.StatusCode;
    }

    [Fact]
    public async Task TokenRequest_ReturnsSignedTokenThatAuthenticates()
    {
        var (ns, _) = await NewServiceAccountAsync();
        var (code, body) = await RequestTokenAsync(ns, "builder", new { expirationSeconds = 900 });

        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("TokenRequest", (string?)body["kind"]);
        Assert.Equal(900, (long?)body["spec"]!["expirationSeconds"]);
        Assert.Equal("https://kubernetes.default.svc.cluster.local", (string?)body["spec"]!["audiences"]![0]);
        var expires = DateTimeOffset.Parse((string)body["status"]!["expirationTimestamp"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));
        Assert.NotEqual(HttpStatusCode.Unauthorized, await ReadWithAsync((string)body["status"]!["token"]!, ns));
    }

    [Fact]
    public async Task Token_AfterServiceAccountDeleted_Is401()
    {
        var (ns, _) = await NewServiceAccountAsync();
        var (_, body) = await RequestTokenAsync(ns, "builder", new { });
        var token = (string)body["status"]!["token"]!;
        Assert.NotEqual(HttpStatusCode.Unauthorized, await ReadWithAsync(token, ns));

        await Server.Client.CoreV1.DeleteNamespacedServiceAccountAsync("builder", ns);
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadWithAsync(token, ns));

        // A new account of the same name has a new uid: the old token stays dead.
        await Server.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "builder" } }, ns);
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadWithAsync(token, ns));
    }

    [Fact]
    public async Task PodBoundToken_AfterPodDeleted_Is401()
    {
        var (ns, _) = await NewServiceAccountAsync();
        var pod = await Server.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodSpec { ServiceAccountName = "builder", Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        var (code, body) = await RequestTokenAsync(ns, "builder", new { boundObjectRef = new { kind = "Pod", apiVersion = "v1", name = "web" } });
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal(pod.Metadata.Uid, (string?)body["spec"]!["boundObjectRef"]!["uid"]);
        var token = (string)body["status"]!["token"]!;
        Assert.NotEqual(HttpStatusCode.Unauthorized, await ReadWithAsync(token, ns));

        await Server.Client.CoreV1.DeleteNamespacedPodAsync("web", ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadWithAsync(token, ns));
    }

    [Fact]
    public async Task Token_ForAnotherAudience_Is401()
    {
        var (ns, _) = await NewServiceAccountAsync();
        var (code, body) = await RequestTokenAsync(ns, "builder", new { audiences = new[] { "vault" } });
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal(HttpStatusCode.Unauthorized, await ReadWithAsync((string)body["status"]!["token"]!, ns));
    }

    [Fact]
    public async Task TokenRequest_ShortExpiration_Is422WithKubernetesMessage()
    {
        var (ns, _) = await NewServiceAccountAsync();
        var (code, body) = await RequestTokenAsync(ns, "builder", new { expirationSeconds = 100 });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, code);
        Assert.Equal("TokenRequest.authentication.k8s.io \"builder\" is invalid: spec.expirationSeconds: Invalid value: 100: may not specify a duration less than 10 minutes",
            (string?)body["message"]);
    }

    [Fact]
    public async Task TokenRequest_MissingServiceAccount_Is404()
    {
        var ns = await Server.NewNamespaceAsync("sa");
        var (code, body) = await RequestTokenAsync(ns, "ghost", new { });
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("serviceaccounts \"ghost\" not found", (string?)body["message"]);
    }

    [Fact]
    public async Task TokenRequest_PodOfOtherServiceAccount_Is400()
    {
        var (ns, _) = await NewServiceAccountAsync();
        await Server.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "other" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        var (code, body) = await RequestTokenAsync(ns, "builder", new { boundObjectRef = new { kind = "Pod", apiVersion = "v1", name = "other" } });
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("cannot bind token for serviceaccount \"builder\" to pod running with different serviceaccount name.", (string?)body["message"]);
    }
}

/// <summary>Client certificates the cluster CA did not sign, or that are out of date, are no identity at all: 401.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class ClientCertificateRejectionTests(ServerFixture fixture)
{
    private async Task<HttpStatusCode> GetWithAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 cert)
    {
        var handler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true, ClientCertificates = [cert] } };
        using var http = new HttpClient(handler) { BaseAddress = fixture.Server.Host.Url };
        using var resp = await http.GetAsync("/api/v1/namespaces");
        return resp.StatusCode;
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 Make(DateTimeOffset from, DateTimeOffset to,
        System.Security.Cryptography.X509Certificates.X509Certificate2? issuer)
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=system:admin, O=system:masters", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension(
            [new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = issuer is null ? request.CreateSelfSigned(from, to)
            : request.Create(issuer, from, to, [1, 2, 3, 4]).CopyWithPrivateKey(key);
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(
            cert.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12), null);
    }

    [Fact]
    public async Task SelfSignedAdminCertificate_Is401()
    {
        using var cert = Make(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), null);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetWithAsync(cert));
    }

    [Fact]
    public async Task ExpiredCertificateFromClusterCa_Is401()
    {
        var pki = fixture.Server.Host.Pki;
        using var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(
            Path.Combine(pki.Directory, "ca.crt"), Path.Combine(pki.Directory, "ca.key"));
        // The CA is back-dated by an hour; a certificate that lived for a minute inside that hour is expired now.
        var start = new DateTimeOffset(ca.NotBefore.ToUniversalTime()).AddSeconds(1);
        using var expired = Make(start, start.AddMinutes(1), ca);
        Assert.Equal(HttpStatusCode.Unauthorized, await GetWithAsync(expired));
        using var valid = Make(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1), ca);
        Assert.Equal(HttpStatusCode.OK, await GetWithAsync(valid));
    }
}
