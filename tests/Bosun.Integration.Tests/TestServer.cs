using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.ApiServer;
using Bosun.Storage;
using Bosun.Storage.Sqlite;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Integration.Tests;

/// <summary>
/// One API server on 127.0.0.1, a free port, over a SQLite file in a temp directory, with the official client
/// connected through the kubeconfig the server wrote and a raw HttpClient holding the admin token.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(string dir, ApiServerConfig config, IKeyValueStore store, ApiServerHost host)
    {
        Directory = dir;
        Config = config;
        Store = store;
        Host = host;
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(config.KubeconfigPath!));
        Http = NewHttpClient(host.Url, host.AdminToken);
    }

    public string Directory { get; }
    public ApiServerConfig Config { get; private set; }
    public IKeyValueStore Store { get; private set; }
    public ApiServerHost Host { get; private set; }
    public Kubernetes Client { get; private set; }
    public HttpClient Http { get; private set; }
    public string DatabasePath => Path.Combine(Directory, "bosun.db");

    /// <param name="wrapStore">Wraps the store the server is given (e.g. to record what it reads); the server disposes the wrapper.</param>
    public static async Task<TestServer> StartAsync(TimeSpan? compactionInterval = null, int watchCacheSize = 4096, string? dir = null, bool secretsEncryption = false,
        Func<IKeyValueStore, IKeyValueStore>? wrapStore = null)
    {
        dir ??= Path.Combine(Path.GetTempPath(), "bosun-it-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var config = new ApiServerConfig
        {
            StateDirectory = Path.Combine(dir, "server"),
            BindAddress = IPAddress.Loopback,
            Port = 0,
            KubeconfigPath = Path.Combine(dir, "kubeconfig"),
            CompactionInterval = compactionInterval ?? TimeSpan.FromMinutes(5),
            WatchCacheSize = watchCacheSize,
            SecretsEncryption = secretsEncryption,
        };
        IKeyValueStore store = await SqliteStore.OpenAsync(Path.Combine(dir, "bosun.db"));
        if (wrapStore is not null) store = wrapStore(store);
        try
        {
            var host = await ApiServerHost.StartAsync(config, store, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
            return new TestServer(dir, config, store, host);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the host and the store, keeping the directory; then starts both again on the same files.</summary>
    public Task RestartAsync() => RestartAsync(Config);

    /// <summary>As <see cref="RestartAsync()"/>, with changed settings (e.g. secrets encryption turned on).</summary>
    public async Task RestartAsync(ApiServerConfig config)
    {
        Config = config;
        Client.Dispose();
        Http.Dispose();
        await Host.DisposeAsync();
        await Store.DisposeAsync();
        Store = await SqliteStore.OpenAsync(DatabasePath);
        Host = await ApiServerHost.StartAsync(Config, Store, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Config.KubeconfigPath!));
        Http = NewHttpClient(Host.Url, Host.AdminToken);
    }

    public static HttpClient NewHttpClient(Uri baseAddress, string? token, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A fresh namespace for one test.</summary>
    public async Task<string> NewNamespaceAsync(string prefix = "t")
    {
        var ns = await Client.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace
        {
            Metadata = new k8s.Models.V1ObjectMeta { GenerateName = prefix + "-" },
        });
        return ns.Metadata.Name;
    }

    public async Task<JsonObject> GetJsonAsync(string path)
    {
        using var resp = await Http.GetAsync(path);
        var text = await resp.Content.ReadAsStringAsync();
        Assert.True(resp.IsSuccessStatusCode, $"GET {path}: {(int)resp.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>
    /// Keys written after <paramref name="revision"/>, except the server's own Lease heartbeats in kube-system (written on
    /// a timer, so "nothing was stored" cannot be a plain revision comparison).
    /// </summary>
    public async Task<List<string>> KeysWrittenSinceAsync(long revision)
    {
        var now = await Store.CurrentRevisionAsync(CancellationToken.None);
        var keys = new List<string>();
        if (now == revision) return keys;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var e in Store.WatchAsync("/", revision, timeout.Token))
        {
            if (!e.Kv.Key.StartsWith("/registry/coordination.k8s.io/leases/kube-system/", StringComparison.Ordinal)) keys.Add(e.Kv.Key);
            if (e.Revision >= now) break;
        }
        return keys;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Http.Dispose();
        await Host.DisposeAsync();
        await Store.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>One server shared by the tests of a collection; each test works in its own namespace.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public async Task InitializeAsync() => Server = await TestServer.StartAsync();
    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition("server")]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>;

/// <summary>Reads the Status body of a failed client call.</summary>
public static class Errors
{
    public static async Task<(HttpStatusCode Code, JsonObject Status)> FailsAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(call);
        var status = JsonNode.Parse(e.Response.Content)!.AsObject();
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal((int)e.Response.StatusCode, (int?)status["code"]);
        return (e.Response.StatusCode, status);
    }

    public static async Task<JsonObject> StatusAsync(Func<Task> call, HttpStatusCode code, string reason, string message)
    {
        var (actual, status) = await FailsAsync(call);
        Assert.Equal(code, actual);
        Assert.Equal(reason, (string?)status["reason"]);
        Assert.Equal(message, (string?)status["message"]);
        return status;
    }

    public static StringContent Json(string json, string contentType = "application/json") =>
        new(json, Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType));

    public static string Serialize(object o) => JsonSerializer.Serialize(o);
}
