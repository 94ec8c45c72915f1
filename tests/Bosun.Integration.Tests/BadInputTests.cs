using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests;

/// <summary>
/// One case of <c>testdata/bad-input/</c>: a request and the Status the server must answer it with.
/// Placeholders in path and body: <c>{ns}</c> (a namespace holding configmap <c>cm</c>, pod <c>pod</c>, deployment <c>dep</c>).
/// </summary>
public sealed record BadInputCase
{
    public string? Description { get; init; }
    public string Method { get; init; } = "GET";
    public required string Path { get; init; }
    public string? ContentType { get; init; }
    /// <summary>The body as text (JSON, YAML or garbage).</summary>
    public string? Body { get; init; }
    /// <summary>The body as a JSON value, serialized as is.</summary>
    public JsonNode? BodyJson { get; init; }
    /// <summary>When set, a ConfigMap JSON body padded to this many bytes.</summary>
    public int? BodySize { get; init; }
    /// <summary><c>admin-token</c> (default), <c>admin-cert</c>, or any other string: sent as that bearer token.</summary>
    public string? Auth { get; init; }
    public required int Code { get; init; }
    public required string Reason { get; init; }
    public required string Message { get; init; }
    /// <summary>False for cases that change nothing by design but still write (none so far).</summary>
    public bool StoreUnchanged { get; init; } = true;
}

public sealed class BadInputFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public string Namespace { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync();
        Namespace = await Server.NewNamespaceAsync("bad");
        var c = Server.Client;
        await c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "cm", Labels = new Dictionary<string, string> { ["app"] = "x" } },
            Data = new Dictionary<string, string> { ["a"] = "1" },
        }, Namespace);
        await c.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "pod" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, Namespace);
        await c.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "dep" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "dep" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "dep" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                },
            },
        }, Namespace);
        // The root CA publisher writes kube-root-ca.crt into each namespace shortly after it appears; cases check that
        // the store does not change, so let that write happen first.
        await Security.TestServerWaits.EventuallyAsync(async () =>
            (await c.CoreV1.ListNamespacedConfigMapAsync(Namespace)).Items.Any(m => m.Metadata.Name == "kube-root-ca.crt"));
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[Trait("Category", "Integration")]
public sealed class BadInputTests(BadInputFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<BadInputFixture>
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNameCaseInsensitive = true };

    public static string CorpusDirectory => Path.Combine(AppContext.BaseDirectory, "testdata", "bad-input");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(CorpusDirectory, "*.json").Order()) data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Fact]
    public void Corpus_Directory_HasCases() => Assert.True(Cases().Count >= 30, $"only {Cases().Count} cases in {CorpusDirectory}");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInput_Request_AnsweredWithExpectedStatus(string name)
    {
        var c = JsonSerializer.Deserialize<BadInputCase>(File.ReadAllText(Path.Combine(CorpusDirectory, name + ".json")), Options)!;
        var server = fixture.Server;
        var ns = fixture.Namespace;
        var before = await server.Store.CurrentRevisionAsync(CancellationToken.None);

        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path.Replace("{ns}", ns));
        var body = c.BodySize is { } size ? PaddedConfigMap(size)
            : c.BodyJson is not null ? c.BodyJson.ToJsonString().Replace("{ns}", ns)
            : c.Body?.Replace("{ns}", ns);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(c.ContentType ?? "application/json");
        }

        using var http = HttpFor(server, c.Auth);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var code = (int)response.StatusCode;
        output.WriteLine($"{c.Method} {c.Path} -> {code} {text}");
        Assert.True(code != 500, $"500 for {name}: {text}");
        Assert.True(code == c.Code, $"{name}: expected {c.Code}, got {code}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        var status = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("v1", (string?)status["apiVersion"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal(c.Code, (int?)status["code"]);
        Assert.True(c.Reason == (string?)status["reason"], $"{name}: expected reason {c.Reason}: {text}");
        var message = (string?)status["message"] ?? "";
        Assert.True(message.Contains(c.Message.Replace("{ns}", ns), StringComparison.Ordinal), $"{name}: message lacks \"{c.Message}\": {text}");

        if (c.StoreUnchanged)
            Assert.Empty(await server.KeysWrittenSinceAsync(before));
    }

    /// <summary>The token from the token file (CSV: token,user,uid,groups), the admin client certificate, or a given wrong token.</summary>
    private static HttpClient HttpFor(TestServer server, string? auth)
    {
        switch (auth)
        {
            case null or "admin-token":
                var line = File.ReadAllLines(Path.Combine(server.Config.StateDirectory, "token")).First(l => l.Contains("system:admin"));
                return TestServer.NewHttpClient(server.Host.Url, line.Split(',')[0]);
            case "admin-cert":
                var handler = new SocketsHttpHandler
                {
                    SslOptions =
                    {
                        RemoteCertificateValidationCallback = (_, _, _, _) => true,
                        ClientCertificates = [server.Host.Pki.AdminCertificate],
                    },
                };
                return new HttpClient(handler) { BaseAddress = server.Host.Url };
            default:
                return TestServer.NewHttpClient(server.Host.Url, auth);
        }
    }

    private static string PaddedConfigMap(int size)
    {
        var head = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"huge\"},\"data\":{\"a\":\"";
        const string Tail = "\"}}";
        return head + new string('x', Math.Max(0, size - head.Length - Tail.Length)) + Tail;
    }
}
