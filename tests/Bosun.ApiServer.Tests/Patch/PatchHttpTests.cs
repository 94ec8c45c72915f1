using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Tests.Security;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.ApiServer.Tests.Patch;

/// <summary>PATCH with the strategic merge and apply content types through the real server, as kubectl sends them.</summary>
public sealed class PatchHttpTests : IAsyncLifetime
{
    private readonly TempDirectory dir = new();
    private readonly MemoryStore storage = new();
    private ApiServerHost host = null!;
    private HttpClient client = null!;

    private const string Deployments = "/apis/apps/v1/namespaces/default/deployments";

    public async Task InitializeAsync()
    {
        host = await ApiServerHost.StartAsync(new ApiServerConfig { StateDirectory = dir.Path, BindAddress = IPAddress.Loopback, Port = 0 },
            storage, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
        var ca = host.Pki.CaCertificate;
        client = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return cert is X509Certificate2 c && chain.Build(c);
                },
            },
        }) { BaseAddress = host.Url };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.AdminToken);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("kubectl/v1.32.5");
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await host.DisposeAsync();
        await storage.DisposeAsync();
        dir.Dispose();
    }

    private static string Config(int replicas) =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":" + replicas +
        ",\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}}," +
        "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx\"}]}}}}";

    private async Task<(HttpStatusCode Code, JsonObject Body)> Patch(string query, string contentType, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, Deployments + "/web" + query)
        {
            Content = new StringContent(body, Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    [Fact]
    public async Task Patch_ApplyThenConflictThenForce_AnswersLikeKubeApiserver()
    {
        var (missing, missingBody) = await Patch("", "application/apply-patch+yaml", Config(1));
        Assert.Equal((HttpStatusCode)422, missing);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch", missingBody.Str("message"));

        var (created, _) = await Patch("?fieldManager=a&force=false", "application/apply-patch+yaml", Config(1));
        Assert.Equal(HttpStatusCode.Created, created);
        var (again, _) = await Patch("?fieldManager=a", "application/apply-patch+yaml", Config(1));
        Assert.Equal(HttpStatusCode.OK, again);

        var (conflict, status) = await Patch("?fieldManager=b", "application/apply-patch+yaml", Config(2));
        Assert.Equal(HttpStatusCode.Conflict, conflict);
        Assert.Equal("Conflict", status.Str("reason"));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"a\": .spec.replicas", status.Str("message"));
        var cause = status.Obj("details")!.Arr("causes")![0]!.AsObject();
        Assert.Equal("FieldManagerConflict", cause.Str("reason"));
        Assert.Equal(".spec.replicas", cause.Str("field"));

        var (forced, obj) = await Patch("?fieldManager=b&force=true", "application/apply-patch+yaml", Config(2));
        Assert.Equal(HttpStatusCode.OK, forced);
        Assert.Equal(2, obj.Obj("spec").Long("replicas"));
    }

    [Fact]
    public async Task Patch_StrategicMerge_SetsImageAndRecordsTheManager()
    {
        await Patch("?fieldManager=kubectl", "application/apply-patch+yaml", Config(1));

        var (code, obj) = await Patch("?fieldManager=kubectl-set", "application/strategic-merge-patch+json",
            """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"image":"nginx:2","name":"web"}]}}}}""");

        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("nginx:2", obj["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>());
        Assert.Equal(2, obj.Obj("metadata").Long("generation"));
        Assert.Contains(obj.Obj("metadata")!.Arr("managedFields")!, e => e!["manager"]!.GetValue<string>() == "kubectl-set");
    }

    [Fact]
    public async Task Patch_ForceOnMergePatch_Is422()
    {
        await Patch("?fieldManager=kubectl", "application/apply-patch+yaml", Config(1));

        var (code, status) = await Patch("?force=true", "application/merge-patch+json", "{}");

        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch", status.Str("message"));
    }

    [Fact]
    public async Task Patch_MergePatchWithoutFieldManager_NamesTheManagerAfterTheUserAgent()
    {
        await Patch("?fieldManager=kubectl", "application/apply-patch+yaml", Config(1));

        var (_, obj) = await Patch("", "application/merge-patch+json", """{"metadata":{"labels":{"x":"y"}}}""");

        Assert.Contains(obj.Obj("metadata")!.Arr("managedFields")!,
            e => e!["manager"]!.GetValue<string>() == "kubectl" && e["operation"]!.GetValue<string>() == "Update");
    }

    [Fact]
    public async Task Patch_StrategicMergeWithUnknownFieldStrict_Is400AndChangesNothing()
    {
        await Patch("?fieldManager=kubectl", "application/apply-patch+yaml", Config(1));

        var (code, status) = await Patch("?fieldValidation=Strict", "application/strategic-merge-patch+json",
            """{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"name":"web","bogus":1}]}}}}""");
        var (_, live) = await Patch("", "application/merge-patch+json", "{}");

        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("unknown field", status.Str("message") ?? status.ToJsonString());
        Assert.Null(live["spec"]!["template"]!["spec"]!["containers"]![0]!["bogus"]);
    }
}
