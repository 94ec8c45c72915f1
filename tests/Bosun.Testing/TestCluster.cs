using Bosun.ApiServer;
using Bosun.Client;
using Bosun.Storage.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Testing;

/// <summary>
/// A real API server (the whole registry, over <see cref="MemoryStore"/>) on a loopback port, with a client: the
/// in-memory cluster controller and scheduler tests run against, instead of fakes. Dispose removes everything.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly string dir;
    private readonly MemoryStore storage;
    private readonly ApiServerHost server;

    private TestCluster(string dir, MemoryStore storage, ApiServerHost server, ApiClient api, string kubeconfig)
    {
        this.dir = dir;
        this.storage = storage;
        this.server = server;
        Api = api;
        KubeconfigPath = kubeconfig;
    }

    public ApiClient Api { get; }
    public string KubeconfigPath { get; }

    /// <summary>The agent CA: an agent's streaming server must trust it to admit the API server's client certificate.</summary>
    public string AgentCaPem => server.Pki.AgentCaPem;

    public static async Task<TestCluster> StartAsync(ILoggerFactory? loggers = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bosun-test-" + Guid.NewGuid().ToString("N"));
        var storage = new MemoryStore();
        var config = new ApiServerConfig
        {
            StateDirectory = Path.Combine(dir, "server"),
            BindAddress = System.Net.IPAddress.Loopback,
            Port = 0,
            KubeconfigPath = Path.Combine(dir, "admin.kubeconfig"),
        };
        var server = await ApiServerHost.StartAsync(config, storage, loggers ?? NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
        return new TestCluster(dir, storage, server, ApiClient.FromKubeconfig(config.KubeconfigPath, "bosun-tests"), config.KubeconfigPath);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (integration-style waits only).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"condition not met in time{(because is null ? "" : ": " + because)}");
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await server.DisposeAsync();
        await storage.DisposeAsync();
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
    }
}
