using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests;

[Collection("server")]
[Trait("Category", "Integration")]
public sealed class WatchTests(ServerFixture fixture)
{
    private readonly TestServer server = fixture.Server;
    private Kubernetes Client => server.Client;

    private static V1Pod Pod(string name, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };

    /// <summary>Reads events from the client's watch on a background task.</summary>
    private sealed class ClientWatch : IAsyncDisposable
    {
        private readonly CancellationTokenSource cts = new();
        private readonly System.Threading.Channels.Channel<(WatchEventType, V1Pod)> events = System.Threading.Channels.Channel.CreateUnbounded<(WatchEventType, V1Pod)>();
        private readonly Task pump;
        public readonly List<Exception> ErrorsSeen = [];
        public Task Ended => pump;

        public ClientWatch(Kubernetes client, string ns, string? resourceVersion = null, string? labelSelector = null, int? timeoutSeconds = null)
        {
            var stream = client.CoreV1.WatchListNamespacedPodAsync(ns, resourceVersion: resourceVersion, labelSelector: labelSelector,
                timeoutSeconds: timeoutSeconds, onError: e => { lock (ErrorsSeen) ErrorsSeen.Add(e); }, cancellationToken: cts.Token);
            pump = Task.Run(async () =>
            {
                try
                {
                    await foreach (var e in stream.WithCancellation(cts.Token)) await events.Writer.WriteAsync(e);
                }
                catch (OperationCanceledException) { }
                finally { events.Writer.TryComplete(); }
            });
        }

        public async Task<(WatchEventType Type, V1Pod Pod)> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await events.Reader.ReadAsync(timeout.Token);
        }

        public async Task<bool> IsQuietAsync(TimeSpan quiet)
        {
            using var timeout = new CancellationTokenSource(quiet);
            try { await events.Reader.WaitToReadAsync(timeout.Token); return !events.Reader.TryPeek(out _); }
            catch (OperationCanceledException) { return true; }
        }

        public async ValueTask DisposeAsync()
        {
            cts.Cancel();
            try { await pump; } catch { }
            cts.Dispose();
        }
    }

    [Fact]
    public async Task Watch_CreateUpdateDelete_SeesAddedModifiedDeletedInOrder()
    {
        var ns = await server.NewNamespaceAsync("w");
        var start = await Client.CoreV1.ListNamespacedPodAsync(ns);
        await using var watch = new ClientWatch(Client, ns, resourceVersion: start.Metadata.ResourceVersion);

        var created = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), ns);
        created.Metadata.Labels = new Dictionary<string, string> { ["v"] = "2" };
        var updated = await Client.CoreV1.ReplaceNamespacedPodAsync(created, "p", ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("p", ns);

        var e1 = await watch.NextAsync();
        Assert.Equal(WatchEventType.Added, e1.Type);
        Assert.Equal(created.Metadata.ResourceVersion, e1.Pod.Metadata.ResourceVersion);
        var e2 = await watch.NextAsync();
        Assert.Equal(WatchEventType.Modified, e2.Type);
        Assert.Equal(updated.Metadata.ResourceVersion, e2.Pod.Metadata.ResourceVersion);
        Assert.Equal("2", e2.Pod.Metadata.Labels["v"]);
        var e3 = await watch.NextAsync();
        Assert.Equal(WatchEventType.Deleted, e3.Type);
        Assert.Equal("p", e3.Pod.Metadata.Name);
        Assert.True(long.Parse(e3.Pod.Metadata.ResourceVersion) > long.Parse(updated.Metadata.ResourceVersion));
        Assert.True(await watch.IsQuietAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Watch_ResumeFromResourceVersion_GetsExactlyLaterEvents()
    {
        var ns = await server.NewNamespaceAsync("w");
        var a = await Client.CoreV1.CreateNamespacedPodAsync(Pod("a"), ns);
        var b = await Client.CoreV1.CreateNamespacedPodAsync(Pod("b"), ns);
        var c = await Client.CoreV1.CreateNamespacedPodAsync(Pod("c"), ns);
        await Client.CoreV1.DeleteNamespacedPodAsync("a", ns);

        await using var watch = new ClientWatch(Client, ns, resourceVersion: a.Metadata.ResourceVersion);
        var seen = new List<(WatchEventType, string, string)>();
        for (var i = 0; i < 3; i++)
        {
            var e = await watch.NextAsync();
            seen.Add((e.Type, e.Pod.Metadata.Name, e.Pod.Metadata.ResourceVersion));
        }
        Assert.Equal((WatchEventType.Added, "b", b.Metadata.ResourceVersion), seen[0]);
        Assert.Equal((WatchEventType.Added, "c", c.Metadata.ResourceVersion), seen[1]);
        Assert.Equal(WatchEventType.Deleted, seen[2].Item1);
        Assert.Equal("a", seen[2].Item2);
        Assert.True(await watch.IsQuietAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task Watch_LabelSelector_SeesDeletedWhenObjectStopsMatching()
    {
        var ns = await server.NewNamespaceAsync("w");
        var start = await Client.CoreV1.ListNamespacedPodAsync(ns);
        await using var watch = new ClientWatch(Client, ns, resourceVersion: start.Metadata.ResourceVersion, labelSelector: "app=web");

        await Client.CoreV1.CreateNamespacedPodAsync(Pod("other", new() { ["app"] = "db" }), ns);
        var p = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p", new() { ["app"] = "web" }), ns);
        p.Metadata.Labels["app"] = "db";
        var moved = await Client.CoreV1.ReplaceNamespacedPodAsync(p, "p", ns);
        moved.Metadata.Labels["app"] = "web";
        await Client.CoreV1.ReplaceNamespacedPodAsync(moved, "p", ns);

        var e1 = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "p"), (e1.Type, e1.Pod.Metadata.Name));
        var e2 = await watch.NextAsync();
        Assert.Equal((WatchEventType.Deleted, "p"), (e2.Type, e2.Pod.Metadata.Name));
        Assert.Equal(moved.Metadata.ResourceVersion, e2.Pod.Metadata.ResourceVersion);
        var e3 = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "p"), (e3.Type, e3.Pod.Metadata.Name));
        Assert.True(await watch.IsQuietAsync(TimeSpan.FromMilliseconds(300)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    public async Task Watch_ResourceVersionUnsetOrZero_SendsCurrentObjectsFirst(string? rv)
    {
        var ns = await server.NewNamespaceAsync("w");
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("a"), ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("b"), ns);
        await using var watch = new ClientWatch(Client, ns, resourceVersion: rv);
        var initial = new[] { await watch.NextAsync(), await watch.NextAsync() };
        Assert.All(initial, e => Assert.Equal(WatchEventType.Added, e.Type));
        Assert.Equal(["a", "b"], initial.Select(e => e.Pod.Metadata.Name).Order());
        Assert.True(await watch.IsQuietAsync(TimeSpan.FromMilliseconds(200)));

        await Client.CoreV1.CreateNamespacedPodAsync(Pod("c"), ns);
        var live = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "c"), (live.Type, live.Pod.Metadata.Name));
    }

    [Fact]
    public async Task Watch_TimeoutSeconds_EndsStream()
    {
        var ns = await server.NewNamespaceAsync("w");
        var start = await Client.CoreV1.ListNamespacedPodAsync(ns);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await using var watch = await WatchStream.OpenAsync(server.Http,
            $"/api/v1/namespaces/{ns}/pods?watch=true&resourceVersion={start.Metadata.ResourceVersion}&timeoutSeconds=1");
        Assert.Equal(200, watch.StatusCode);
        Assert.Null(await watch.NextAsync(TimeSpan.FromSeconds(10)));
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.8, 8);

        // And through the client: the enumeration completes.
        await using var cw = new ClientWatch(Client, ns, resourceVersion: start.Metadata.ResourceVersion, timeoutSeconds: 1);
        Assert.Same(cw.Ended, await Task.WhenAny(cw.Ended, Task.Delay(TimeSpan.FromSeconds(10))));
    }

    [Fact]
    public async Task Watch_SingleObjectByName_SeesOnlyThatObject()
    {
        var ns = await server.NewNamespaceAsync("w");
        var start = await Client.CoreV1.ListNamespacedPodAsync(ns);
        await using var watch = await WatchStream.OpenAsync(server.Http,
            $"/api/v1/namespaces/{ns}/pods?watch=true&resourceVersion={start.Metadata.ResourceVersion}&fieldSelector=metadata.name%3Db");
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("a"), ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("b"), ns);
        var e = await watch.NextAsync();
        Assert.Equal("ADDED", e!.Value.Type);
        Assert.Equal("b", (string?)e.Value.Object["metadata"]!["name"]);
        Assert.Equal("Pod", (string?)e.Value.Object["kind"]);
        Assert.Equal("v1", (string?)e.Value.Object["apiVersion"]);
    }
}
