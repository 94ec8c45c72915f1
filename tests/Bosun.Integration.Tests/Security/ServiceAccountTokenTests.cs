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
