using System.Collections.Concurrent;
using Bosun.ApiServer;
using Bosun.Storage.Memory;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Client.Tests;

/// <summary>
/// Two API servers on loopback sharing one store (and one CA, as servers sharing a datastore do): a client given the
/// first moves to the second when the first stops, and its informer resumes its watch there.
/// </summary>
public sealed class TwoServerFailoverTests : IAsyncLifetime
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "bosun-failover-" + Guid.NewGuid().ToString("N"));
    private readonly MemoryStore storage = new();
    private ApiServerHost first = null!;
    private ApiServerHost second = null!;
    private bool firstStopped;

    private string Kubeconfig => Path.Combine(dir, "admin.kubeconfig");

    public async Task InitializeAsync()
    {
        first = await StartAsync("one", Kubeconfig);
        // The second server uses the first one's CA and admin token, as `bosun server --token` arranges through the datastore.
        var tls = Path.Combine(dir, "two", "tls");
        Directory.CreateDirectory(tls);
        foreach (var file in (string[])["ca.crt", "ca.key"]) File.Copy(Path.Combine(dir, "one", "tls", file), Path.Combine(tls, file));
        File.Copy(Path.Combine(dir, "one", "token"), Path.Combine(dir, "two", "token"));
        second = await StartAsync("two", null);
    }

    private async Task<ApiServerHost> StartAsync(string name, string? kubeconfig) => await ApiServerHost.StartAsync(new ApiServerConfig
    {
        StateDirectory = Path.Combine(dir, name),
        BindAddress = System.Net.IPAddress.Loopback,
        Port = 0,
        KubeconfigPath = kubeconfig,
    }, storage, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (!firstStopped) await first.DisposeAsync();
        await second.DisposeAsync();
        await storage.DisposeAsync();
        Directory.Delete(dir, recursive: true);
    }

    private static V1ConfigMap ConfigMap(string name) => new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" } };

    [Fact]
    public async Task KubernetesEndpoints_ListBothServers_AndTheClientLearnsThem()
    {
        using var api = ApiClient.FromKubeconfig(Kubeconfig, "failover-tests");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var endpoints = await api.GetAsync<V1Endpoints>("default", "kubernetes", cts.Token);
        var servers = ApiServerEndpoints.ServersFrom(endpoints);
        var follow = ApiServerEndpoints.FollowAsync(api, api.Failover!, NullLogger.Instance, TimeProvider.System, cts.Token);
        while (api.Failover!.Servers.Count < 2) await Task.Delay(20, cts.Token);
        await cts.CancelAsync();
        await follow;

        Assert.Equal(new[] { first.Url.Port, second.Url.Port }.Order(), servers.Select(s => s.Port).Order());
        Assert.Equal(first.Url.Port, api.Failover.Current.Port);
    }

    [Fact]
    public async Task FirstServerStops_InformerResumesOnTheSecond_WithNoMissedOrRepeatedEvents()
    {
        using var api = ApiClient.FromKubeconfig(Kubeconfig, "failover-tests", [second.Url]);
        var informer = new Informer<V1ConfigMap>(api, NullLogger.Instance, ns: "default");
        var seen = new ConcurrentQueue<string>();
        informer.On(added: c => { if (c.Metadata.Name.StartsWith("cm-", StringComparison.Ordinal)) seen.Enqueue("add " + c.Metadata.Name); },
            deleted: c => seen.Enqueue("delete " + c.Metadata.Name));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = informer.RunAsync(cts.Token);
        await informer.WaitForSyncAsync(cts.Token);
        for (var i = 0; i < 5; i++) await api.CreateAsync("default", ConfigMap($"cm-{i}"), cts.Token);
        while (seen.Count < 5) await Task.Delay(10, cts.Token);

        await first.DisposeAsync();
        firstStopped = true;
        for (var i = 5; i < 10; i++) await api.CreateAsync("default", ConfigMap($"cm-{i}"), cts.Token);   // fails over on the first refusal

        while (seen.Count < 10) await Task.Delay(10, cts.Token);
        await Task.Delay(200, cts.Token);   // room for a repeated event to show up
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"add cm-{i}"), seen);
        Assert.Equal(second.Url.Port, api.Failover!.Current.Port);
        await cts.CancelAsync();
        await run;
    }
}
