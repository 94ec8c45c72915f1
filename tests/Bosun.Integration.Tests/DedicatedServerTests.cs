using System.Diagnostics;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests;

/// <summary>Tests that need a server of their own: compaction, slow watchers, restarts.</summary>
[Trait("Category", "Integration")]
public sealed class DedicatedServerTests
{
    private static V1ConfigMap ConfigMap(string name, string? value = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = value is null ? null : new Dictionary<string, string> { ["v"] = value },
    };

    private static async Task<(string OldRv, long Compacted)> WriteAndCompactAsync(TestServer server, string ns)
    {
        var first = await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("first"), ns);
        for (var i = 0; i < 20; i++)
            await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"cm-{i}"), ns);
        var current = await server.Store.CurrentRevisionAsync(CancellationToken.None);
        await server.Store.CompactAsync(current, CancellationToken.None);
        return (first.Metadata.ResourceVersion, server.Store.CompactedRevision);
    }

    [Fact]
    public async Task Watch_CompactedResourceVersion_GetsErrorEvent410Expired()
    {
        await using var server = await TestServer.StartAsync(watchCacheSize: 8);
        var ns = await server.NewNamespaceAsync("c");
        var (oldRv, compacted) = await WriteAndCompactAsync(server, ns);
        Assert.True(compacted > long.Parse(oldRv));

        await using var watch = await WatchStream.OpenAsync(server.Http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={oldRv}");
        Assert.Equal(200, watch.StatusCode);
        var e = await watch.NextAsync();
        Assert.NotNull(e);
        Assert.Equal("ERROR", e.Value.Type);
        var status = e.Value.Object;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal(410, (int?)status["code"]);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.Matches(new Regex($"^too old resource version: {oldRv} \\(\\d+\\)$"), (string?)status["message"]);
        Assert.Null(await watch.NextAsync());

        // The client reports it as a KubernetesException carrying the Status.
        var errors = new List<Exception>();
        await foreach (var _ in server.Client.CoreV1.WatchListNamespacedConfigMapAsync(ns, resourceVersion: oldRv, onError: errors.Add))
            Assert.Fail("no events expected");
        var ke = Assert.IsType<KubernetesException>(Assert.Single(errors));
        Assert.Equal(410, ke.Status.Code);
        Assert.Equal("Expired", ke.Status.Reason);

        // A recent resourceVersion still works.
        var list = await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        await using var fresh = await WatchStream.OpenAsync(server.Http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={list.Metadata.ResourceVersion}");
        await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("after"), ns);
        var added = await fresh.NextAsync();
        Assert.Equal("ADDED", added!.Value.Type);
        Assert.Equal("after", (string?)added.Value.Object["metadata"]!["name"]);
    }

    [Fact]
    public async Task List_ExactCompactedResourceVersion_Returns410Expired()
    {
        await using var server = await TestServer.StartAsync(watchCacheSize: 8);
        var ns = await server.NewNamespaceAsync("c");
        var (oldRv, _) = await WriteAndCompactAsync(server, ns);
        var (code, status) = await Errors.FailsAsync(() =>
            server.Client.CoreV1.ListNamespacedConfigMapAsync(ns, resourceVersion: oldRv, resourceVersionMatch: "Exact"));
        Assert.Equal(System.Net.HttpStatusCode.Gone, code);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.StartsWith($"too old resource version: {oldRv} (", (string?)status["message"]);
    }

    [Fact]
    public async Task List_ContinueTokenAfterCompaction_Returns410Expired()
    {
        await using var server = await TestServer.StartAsync(watchCacheSize: 8);
        var ns = await server.NewNamespaceAsync("c");
        for (var i = 0; i < 6; i++) await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"a-{i}"), ns);
        var first = await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2);
        Assert.False(string.IsNullOrEmpty(first.Metadata.ContinueProperty));
        await server.Client.CoreV1.DeleteNamespacedConfigMapAsync("a-5", ns);
        await server.Store.CompactAsync(await server.Store.CurrentRevisionAsync(CancellationToken.None), CancellationToken.None);

        var (code, status) = await Errors.FailsAsync(() =>
            server.Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2, continueParameter: first.Metadata.ContinueProperty));
        Assert.Equal(System.Net.HttpStatusCode.Gone, code);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.StartsWith("The provided continue parameter is too old to display a consistent list result.", (string?)status["message"]);
    }

    [Fact]
    public async Task Compactor_ShortInterval_OldWatchResourceVersionExpires()
    {
        await using var server = await TestServer.StartAsync(compactionInterval: TimeSpan.FromMilliseconds(200), watchCacheSize: 8);
        var ns = await server.NewNamespaceAsync("c");
        var first = await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("first"), ns);
        var deadline = Stopwatch.StartNew();
        var i = 0;
        while (server.Store.CompactedRevision <= long.Parse(first.Metadata.ResourceVersion))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the compactor never compacted");
            await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"cm-{i++}"), ns);
            await Task.Delay(50);
        }
        for (var j = 0; j < 10; j++) await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"more-{j}"), ns);

        await using var watch = await WatchStream.OpenAsync(server.Http,
            $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={first.Metadata.ResourceVersion}");
        var e = await watch.NextAsync();
        Assert.Equal("ERROR", e!.Value.Type);
        Assert.Equal(410, (int?)e.Value.Object["code"]);
        Assert.StartsWith($"too old resource version: {first.Metadata.ResourceVersion} (", (string?)e.Value.Object["message"]);
    }

    [Fact]
    public async Task Watch_SlowWatcher_DoesNotStallWritesOrOtherWatchersAndIsDisconnected()
    {
        await using var server = await TestServer.StartAsync();
        var ns = await server.NewNamespaceAsync("slow");
        var rv = (await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Metadata.ResourceVersion;
        var path = $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv}";

        using var slowHttp = TestServer.NewHttpClient(server.Host.Url, server.Host.AdminToken, TimeSpan.FromMinutes(5));
        await using var slow = await WatchStream.OpenAsync(slowHttp, path);       // never read until the end
        await using var fast = await WatchStream.OpenAsync(server.Http, path);
        Assert.Equal(200, slow.StatusCode);

        const int Writes = 1500;
        var payload = new string('x', 16 * 1024);
        var fastSeen = 0;
        var reader = Task.Run(async () =>
        {
            while (fastSeen < Writes)
            {
                var e = await fast.NextAsync(TimeSpan.FromSeconds(30));
                Assert.Equal("ADDED", e!.Value.Type);
                fastSeen++;
            }
        });

        var sw = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Writes), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"cm-{i:D4}", payload), ns, cancellationToken: ct));
        var writeTime = sw.Elapsed;
        Assert.True(writeTime < TimeSpan.FromSeconds(90), $"writes took {writeTime}");
        Assert.Same(reader, await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(60))));
        await reader;
        Assert.Equal(Writes, fastSeen);

        // The slow watcher was dropped: draining what was buffered ends in end-of-stream, short of every event.
        var slowSeen = 0;
        while (await slow.NextAsync(TimeSpan.FromSeconds(30)) is { } e)
        {
            Assert.Equal("ADDED", e.Type);
            slowSeen++;
        }
        Assert.True(slowSeen < Writes, $"slow watcher got all {slowSeen} events");

        // The server still serves writes and watches.
        await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("after"), ns);
    }

    [Fact]
    public async Task Server_RestartOnSameDatabase_KeepsObjectsAndResourceVersionsIncrease()
    {
        await using var server = await TestServer.StartAsync();
        var ns = await server.NewNamespaceAsync("r");
        var cm = await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("keep", "1"), ns);
        var pod = await server.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns);
        // The root CA publisher adds kube-root-ca.crt to every new namespace; let it land before the watch's starting point.
        await Security.TestServerWaits.EventuallyAsync(async () =>
            (await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Any(c => c.Metadata.Name == "kube-root-ca.crt"));
        var before = long.Parse((await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Metadata.ResourceVersion);

        await server.RestartAsync();

        var cm2 = await server.Client.CoreV1.ReadNamespacedConfigMapAsync("keep", ns);
        Assert.Equal(cm.Metadata.Uid, cm2.Metadata.Uid);
        Assert.Equal(cm.Metadata.ResourceVersion, cm2.Metadata.ResourceVersion);
        Assert.Equal("1", cm2.Data["v"]);
        Assert.Equal(pod.Metadata.Uid, (await server.Client.CoreV1.ReadNamespacedPodAsync("p", ns)).Metadata.Uid);
        Assert.Equal("Active", (await server.Client.CoreV1.ReadNamespaceAsync(ns)).Status.Phase);
        Assert.Contains((await server.Client.CoreV1.ListNamespaceAsync()).Items, n => n.Metadata.Name == "default");

        // A watch from before the restart resumes from storage.
        await using var watch = await WatchStream.OpenAsync(server.Http, $"/api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={before}");
        var created = await server.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("new"), ns);
        Assert.True(long.Parse(created.Metadata.ResourceVersion) > before);
        cm2.Data["v"] = "2";
        var updated = await server.Client.CoreV1.ReplaceNamespacedConfigMapAsync(cm2, "keep", ns);
        Assert.True(long.Parse(updated.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));
        var e1 = await watch.NextAsync();
        Assert.Equal(("ADDED", "new"), (e1!.Value.Type, (string?)e1.Value.Object["metadata"]!["name"]));
        var e2 = await watch.NextAsync();
        Assert.Equal(("MODIFIED", "keep"), (e2!.Value.Type, (string?)e2.Value.Object["metadata"]!["name"]));
        Assert.True(long.Parse((await server.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Metadata.ResourceVersion) > before);
    }
}
