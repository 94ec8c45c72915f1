using System.Reflection;
using System.Text.Json.Serialization;
using Bosun.Client;
using Bosun.Testing;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Controllers.Tests;

/// <summary>
/// A real API server plus shared informers and a manual clock: tests build a controller, start the caches (no workers),
/// call <c>ReconcileAsync</c> themselves and wait with <see cref="SettleAsync"/> until the caches have caught up.
/// </summary>
internal sealed class ControllerFixture : IAsyncDisposable
{
    private readonly CancellationTokenSource cts = new(TimeSpan.FromSeconds(60));
    private readonly List<Task> running = [];
    private readonly ControllerHost host = new(NullLogger<ControllerHost>.Instance);

    private ControllerFixture(TestCluster cluster)
    {
        Cluster = cluster;
        Time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        Informers = new SharedInformers(cluster.Api, NullLoggerFactory.Instance, Time);
        var events = new EventRecorder(cluster.Api, "test", NullLogger.Instance, Time);
        Context = new ControllerContext(cluster.Api, Informers, events, NullLoggerFactory.Instance, Time);
    }

    public TestCluster Cluster { get; }
    public ApiClient Api => Cluster.Api;
    public FakeTimeProvider Time { get; }
    public SharedInformers Informers { get; }
    public ControllerContext Context { get; }
    public CancellationToken Ct => cts.Token;

    public static async Task<ControllerFixture> StartAsync() => new(await TestCluster.StartAsync());

    /// <summary>Wires the controller's handlers (its queue fills but nothing drains it).</summary>
    public T Add<T>(T controller) where T : IController
    {
        controller.Register(host);
        return controller;
    }

    public async Task StartInformersAsync()
    {
        foreach (var informer in Informers.All) running.Add(Task.Run(() => informer.RunAsync(cts.Token)));
        await Task.WhenAll(Informers.All.Select(i => i.WaitForSyncAsync(cts.Token)));
    }

    /// <summary>Waits until every cache holds exactly what the server holds (same names and resourceVersions).</summary>
    public async Task SettleAsync()
    {
        var method = typeof(ControllerFixture).GetMethod(nameof(InSyncAsync), BindingFlags.NonPublic | BindingFlags.Instance)!;
        foreach (var informer in Informers.All)
        {
            var check = method.MakeGenericMethod(informer.GetType().GetGenericArguments()[0]);
            await TestCluster.EventuallyAsync(() => (Task<bool>)check.Invoke(this, [informer])!, TimeSpan.FromSeconds(10), "caches settle");
        }
    }

    private async Task<bool> InSyncAsync<T>(Informer<T> informer) where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var live = await Api.ListAsync<ItemList<T>>(typeof(T), null, ListQuery.Everything, cts.Token);
        var want = (live.Items ?? []).ToDictionary(o => ObjectKey.Of(o), o => o.Metadata.ResourceVersion);
        var have = informer.List().ToDictionary(o => ObjectKey.Of(o), o => o.Metadata.ResourceVersion);
        return want.Count == have.Count && want.All(kv => have.TryGetValue(kv.Key, out var rv) && rv == kv.Value);
    }

    /// <summary>Reconciles, then waits for the caches to see the result.</summary>
    public async Task<ReconcileResult> ReconcileAsync(IReconciler controller, string ns, string name)
    {
        var result = await controller.ReconcileAsync(new ObjectKey(ns, name), cts.Token);
        await SettleAsync();
        return result;
    }

    /// <summary>
    /// Every cached object's kind, key and resourceVersion, after settling: equal snapshots around an action mean the
    /// action wrote nothing (the idempotency check).
    /// </summary>
    public async Task<string> SnapshotAsync()
    {
        await SettleAsync();
        var method = typeof(ControllerFixture).GetMethod(nameof(Entries), BindingFlags.NonPublic | BindingFlags.Static)!;
        var all = Informers.All.SelectMany(i => (IEnumerable<string>)method.MakeGenericMethod(i.GetType().GetGenericArguments()[0]).Invoke(null, [i])!);
        return string.Join("\n", all.Order(StringComparer.Ordinal));
    }

    private static IEnumerable<string> Entries<T>(Informer<T> informer) where T : class, IKubernetesObject<V1ObjectMeta> =>
        informer.List().Select(o => $"{typeof(T).Name} {ObjectKey.Of(o)} {o.Metadata.ResourceVersion}");

    public async Task<List<T>> ListAsync<T>(string? ns = "default") where T : class
    {
        var list = await Api.ListAsync<ItemList<T>>(typeof(T), ns, ListQuery.Everything, cts.Token);
        return list.Items ?? [];
    }

    /// <summary>What a kubelet would report for a running, ready pod.</summary>
    public async Task MarkReadyAsync(V1Pod pod, bool ready = true, string? ip = null)
    {
        var live = await Api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, cts.Token);
        var now = Time.GetUtcNow().UtcDateTime;
        live.Status ??= new V1PodStatus();
        live.Status.Phase = "Running";
        live.Status.PodIP = ip ?? live.Status.PodIP ?? $"10.1.{Random.Shared.Next(0, 250)}.{Random.Shared.Next(1, 250)}";
        live.Status.Conditions =
        [
            new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = now },
        ];
        live.Status.ContainerStatuses = live.Spec.Containers.Select(c => new V1ContainerStatus
        {
            Name = c.Name, Image = c.Image, ImageID = "", Ready = ready, RestartCount = 0, Started = true,
        }).ToList();
        await Api.UpdateStatusAsync(live.Metadata.NamespaceProperty, live.Metadata.Name, live, cts.Token);
    }

    /// <summary>What a kubelet would report for a pod in <paramref name="phase"/> (Running is also Ready).</summary>
    public async Task MarkPhaseAsync(V1Pod pod, string phase, int restarts = 0)
    {
        var live = await Api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, cts.Token);
        var now = Time.GetUtcNow().UtcDateTime;
        var ready = phase == "Running";
        live.Status ??= new V1PodStatus();
        live.Status.Phase = phase;
        live.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = now }];
        live.Status.ContainerStatuses = live.Spec.Containers.Select(c => new V1ContainerStatus
        {
            Name = c.Name, Image = c.Image, ImageID = "", Ready = ready, RestartCount = restarts, Started = ready,
        }).ToList();
        await Api.UpdateStatusAsync(live.Metadata.NamespaceProperty, live.Metadata.Name, live, cts.Token);
    }

    /// <summary>A ready node with the given labels and taints, created through the API.</summary>
    public async Task<V1Node> CreateNodeAsync(string name, Dictionary<string, string>? labels = null, List<V1Taint>? taints = null)
    {
        var all = new Dictionary<string, string>(labels ?? []) { ["kubernetes.io/hostname"] = name };
        return await Api.CreateAsync<V1Node>(null, new V1Node
        {
            ApiVersion = "v1", Kind = "Node",
            Metadata = new V1ObjectMeta { Name = name, Labels = all },
            Spec = new V1NodeSpec { Taints = taints },
        }, cts.Token);
    }

    public async Task MarkAllReadyAsync(string ns = "default")
    {
        foreach (var pod in await ListAsync<V1Pod>(ns))
            if (!Common.Pods.IsReady(pod) && pod.Metadata.DeletionTimestamp is null) await MarkReadyAsync(pod);
        await SettleAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await cts.CancelAsync();
        try { await Task.WhenAll(running); } catch (OperationCanceledException) { }
        await Cluster.DisposeAsync();
        cts.Dispose();
    }

    private sealed class ItemList<T>
    {
        [JsonPropertyName("items")]
        public List<T>? Items { get; set; }
    }
}

/// <summary>Builders for the objects the tests create.</summary>
internal static class Build
{
    public static V1PodTemplateSpec Template(Dictionary<string, string> labels, string image = "nginx:1.25") => new()
    {
        Metadata = new V1ObjectMeta { Labels = labels },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = image, Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }] }] },
    };

    public static V1ReplicaSet ReplicaSet(string name, int? replicas, Dictionary<string, string>? labels = null, int? minReadySeconds = null)
    {
        labels ??= new() { ["app"] = name };
        return new V1ReplicaSet
        {
            ApiVersion = "apps/v1", Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
            Spec = new V1ReplicaSetSpec
            {
                Replicas = replicas, MinReadySeconds = minReadySeconds,
                Selector = new V1LabelSelector { MatchLabels = labels }, Template = Template(labels),
            },
        };
    }

    public static V1Pod Pod(string name, Dictionary<string, string> labels, V1OwnerReference? owner = null) => new()
    {
        ApiVersion = "v1", Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = labels, OwnerReferences = owner is null ? null : [owner] },
        Spec = Template(labels).Spec,
    };
}
