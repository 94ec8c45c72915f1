using Bosun.ApiServer;
using Bosun.Storage.Memory;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Client.Tests;

/// <summary>Informers and leader election against a real API server on loopback (MemoryStore).</summary>
public sealed class InformerTests : IAsyncLifetime
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "bosun-client-" + Guid.NewGuid().ToString("N"));
    private readonly MemoryStore storage = new();
    private ApiServerHost server = null!;
    private ApiClient api = null!;

    public async Task InitializeAsync()
    {
        var config = new ApiServerConfig
        {
            StateDirectory = Path.Combine(dir, "server"),
            BindAddress = System.Net.IPAddress.Loopback,
            Port = 0,
            KubeconfigPath = Path.Combine(dir, "admin.kubeconfig"),
        };
        server = await ApiServerHost.StartAsync(config, storage, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);
        api = ApiClient.FromKubeconfig(config.KubeconfigPath, "bosun-client-tests");
    }

    public async Task DisposeAsync()
    {
        api.Dispose();
        await server.DisposeAsync();
        await storage.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    private static V1ConfigMap ConfigMap(string name) => new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" } };

    [Fact]
    public async Task Run_ListsThenWatches_CacheFollowsAddsUpdatesDeletes()
    {
        await api.CreateAsync("default", ConfigMap("before"), CancellationToken.None);
        var informer = new Informer<V1ConfigMap>(api, NullLogger.Instance, ns: "default");
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        // Every namespace also holds kube-root-ca.crt, which the API server publishes; this test follows its own maps.
        void Note(string what, V1ConfigMap c)
        {
            if (c.Metadata.Name != "kube-root-ca.crt") seen.Enqueue(what + " " + c.Metadata.Name);
        }
        informer.On(added: c => Note("add", c), updated: (_, c) => Note("update", c), deleted: c => Note("delete", c));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);

        await api.CreateAsync("default", ConfigMap("after"), cts.Token);
        var cm = await api.GetAsync<V1ConfigMap>("default", "after", cts.Token);
        cm.Data = new Dictionary<string, string> { ["k"] = "v" };
        await api.UpdateAsync("default", "after", cm, cts.Token);
        await api.DeleteAsync<V1ConfigMap>("default", "before", cts.Token);

        while (seen.Count < 4) await Task.Delay(10, cts.Token);
        Assert.Equal(["add before", "add after", "update after", "delete before"], seen);
        Assert.Equal("v", informer.Get("default", "after")!.Data["k"]);
        Assert.Null(informer.Get("default", "before"));
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task LeaderElector_SecondCandidate_WaitsWhileLeaseIsHeld()
    {
        var a = new LeaderElector(api, "kube-system", "test-lock", "a", NullLogger.Instance);
        var b = new LeaderElector(api, "kube-system", "test-lock", "b", NullLogger.Instance);

        Assert.True(await a.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.True(await a.TryAcquireOrRenewAsync(CancellationToken.None));
        var lease = await api.GetAsync<V1Lease>("kube-system", "test-lock", CancellationToken.None);
        Assert.Equal("a", lease.Spec.HolderIdentity);
    }

    [Fact]
    public void LeaderElector_WithLeaseDuration_KeepsUpstreamRatiosOfRenewDeadlineAndRetryPeriod()
    {
        var elector = LeaderElector.WithLeaseDuration(api, "kube-system", "short", "a", NullLogger.Instance, null, TimeSpan.FromSeconds(6));

        Assert.Equal(TimeSpan.FromSeconds(6), elector.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(4), elector.RenewDeadline);
        Assert.Equal(TimeSpan.FromMilliseconds(800), elector.RetryPeriod);
    }
}
