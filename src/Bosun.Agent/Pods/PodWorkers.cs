using System.Collections.Concurrent;
using System.Text.Json;
using Bosun.Agent.Node;
using Bosun.Agent.Probes;
using Bosun.Client;
using Grpc.Core;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Pods;

/// <summary>
/// The pods bound to this node, each synced by its own <see cref="PodWorker"/>: read the runtime, compute the
/// actions, apply them, write the status when it changed, finish deletions. On start it adopts what the runtime
/// already runs (a restarted agent restarts nothing) and removes what belongs to pods no longer here. A relist
/// loop notices exited containers (kubelet's PLEG). A pod's node copy is removed once, by its worker: on the way to
/// deleting a terminated pod's API object, or when the object is gone (deleted elsewhere, or an orphan found at start).
/// </summary>
internal sealed partial class PodWorkers
{
    private readonly ApiClient api;
    private readonly CriPodRuntime runtime;
    private readonly PodApplier applier;
    private readonly NodeIdentity node;
    private readonly AgentOptions options;
    private readonly RestartBackoff backoff;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, PodWorker> workers = new();
    private readonly ConcurrentDictionary<string, V1Pod> lastSeen = new();
    private readonly ConcurrentDictionary<string, long> firstSeen = new();   // informer event of a new pod, for PodStartTrace
    private readonly PodTeardowns teardowns = new();
    private readonly SemaphoreSlim concurrency;
    private readonly Informer<V1Pod> pods;
    private CancellationToken stopping;

    public PodWorkers(ApiClient api, CriPodRuntime runtime, PodApplier applier, NodeIdentity node, AgentOptions options,
        RestartBackoff backoff, TimeProvider time, ILoggerFactory loggers)
    {
        this.api = api;
        this.runtime = runtime;
        this.applier = applier;
        this.node = node;
        this.options = options;
        this.backoff = backoff;
        this.time = time;
        logger = loggers.CreateLogger<PodWorkers>();
        concurrency = new SemaphoreSlim(Math.Max(1, options.MaxConcurrentSyncs));
        pods = new Informer<V1Pod>(api, loggers.CreateLogger("Bosun.Agent.Informer.Pod"), time,
            query: new ListQuery(FieldSelector: "spec.nodeName=" + node.Name));
        pods.On(added: Seen, updated: (_, p) => Seen(p), deleted: Gone);
    }

    /// <summary>Set before <see cref="RunAsync"/>; the probe manager calls back into <see cref="Enqueue"/>.</summary>
    public ProbeManager? Probes { get; set; }

    public Informer<V1Pod> Pods => pods;

    /// <summary>Pods with a worker (tests wait for a deleted pod's to end).</summary>
    internal int ActiveWorkers => workers.Count;

    public async Task RunAsync(CancellationToken ct)
    {
        stopping = ct;
        var informer = pods.RunAsync(ct);
        try
        {
            await pods.WaitForSyncAsync(ct);
            await AdoptAsync(ct);
            await RelistLoopAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        await informer;
        foreach (var w in workers.Values) w.Complete();
        await Task.WhenAll(workers.Values.Select(w => w.Loop));
    }

    /// <summary>Asks the pod's worker for a sync, starting one if needed.</summary>
    public void Enqueue(string uid)
    {
        if (stopping.IsCancellationRequested) return;
        var worker = workers.GetOrAdd(uid, u =>
        {
            var w = new PodWorker(u, time);
            w.Loop = RunWorkerAsync(w);
            return w;
        });
        worker.Request();
    }

    private void Seen(V1Pod pod)
    {
        if (lastSeen.TryAdd(pod.Metadata.Uid, pod)) firstSeen.TryAdd(pod.Metadata.Uid, time.GetTimestamp());
        lastSeen[pod.Metadata.Uid] = pod;
        Enqueue(pod.Metadata.Uid);
    }

    private void Gone(V1Pod pod)
    {
        lastSeen[pod.Metadata.Uid] = pod;
        Enqueue(pod.Metadata.Uid);
    }

    /// <summary>Pods the runtime runs that are not bound here any more are removed; the rest are synced (adopted).</summary>
    private async Task AdoptAsync(CancellationToken ct)
    {
        var bound = pods.List().Select(p => p.Metadata.Uid).ToHashSet();
        foreach (var uid in await runtime.ListPodUidsAsync(ct))
            if (!bound.Contains(uid)) Enqueue(uid);
        Log.Adopted(logger, bound.Count);
    }

    private async Task RelistLoopAsync(CancellationToken ct)
    {
        var previous = new Dictionary<string, (string Uid, Cri.V1.ContainerState State)>();
        using var timer = new PeriodicTimer(options.RelistInterval, time);
        do
        {
            try
            {
                var current = (await runtime.ListContainerStatesAsync(ct)).ToDictionary(c => c.Id, c => (c.PodUid, c.State));
                foreach (var (id, now) in current)
                    if (!previous.TryGetValue(id, out var before) || before.State != now.State) Enqueue(now.PodUid);
                foreach (var (id, before) in previous)
                    if (!current.ContainsKey(id)) Enqueue(before.Uid);
                if (!teardowns.IsEmpty)   // the set of listed pods is built only when there is something to forget
                    teardowns.Prune(previous.Values.Select(p => p.Uid).Concat(current.Values.Select(c => c.PodUid)).ToHashSet(), workers.ContainsKey);
                previous = current;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                Log.RelistFailed(logger, e.Status.Detail);
            }
        } while (await timer.WaitForNextTickAsync(ct));
    }

    private async Task RunWorkerAsync(PodWorker worker)
    {
        await Task.Yield();
        var failures = 0;
        try
        {
            await foreach (var _ in worker.ReadAllAsync(stopping))
            {
                await concurrency.WaitAsync(stopping);
                try
                {
                    if (!await SyncAsync(worker, stopping))
                    {
                        workers.TryRemove(worker.Uid, out var __);
                        lastSeen.TryRemove(worker.Uid, out var ___);
                        firstSeen.TryRemove(worker.Uid, out var ____);
                        worker.Dispose();
                        return;
                    }
                    failures = 0;
                }
                catch (Exception e) when (e is RpcException or ApiException or HttpRequestException or IOException && !stopping.IsCancellationRequested)
                {
                    failures++;
                    Log.SyncFailed(logger, worker.Uid, e.Message);
                    worker.RequestAfter(TimeSpan.FromMilliseconds(Math.Min(10_000, 250 * (1 << Math.Min(failures, 6)))));
                }
                finally
                {
                    concurrency.Release();
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>One sync; false when the pod is gone for good and the worker can end.</summary>
    private async Task<bool> SyncAsync(PodWorker worker, CancellationToken ct)
    {
        var uid = worker.Uid;
        var trace = firstSeen.TryRemove(uid, out var seenAt) ? new PodStartTrace(time, seenAt) : null;
        trace?.Mark("queue");
        var pod = Current(uid);
        if (pod is null)
        {
            // Gone from the API. Unless this pod was torn down on its way to deletion, this is where its node copy goes.
            if (teardowns.IsCleanedUp(uid)) return false;
            var last = lastSeen.GetValueOrDefault(uid);
            var grace = last?.Metadata.DeletionGracePeriodSeconds ?? last?.Spec.TerminationGracePeriodSeconds ?? PodActions.DefaultGracePeriodSeconds;
            Probes?.Forget(uid);
            await applier.CleanupAsync(last, uid, last?.Metadata.NamespaceProperty ?? "", last?.Metadata.Name ?? "", grace, ct);
            teardowns.CleanedUp(uid);
            return false;
        }
        if (teardowns.IsCleanedUp(uid))
        {
            // Torn down already (a relist or status event came before the API's deletion): only the API object may be left.
            if (!teardowns.IsApiObjectDeleted(uid)) await DeleteApiObjectAsync(pod, ct);
            return true;
        }

        var observed = await runtime.GetAsync(uid, ct);
        trace?.Mark("read");
        var host = pod.Spec.HostNetwork == true ? node.InternalIp : observed.LatestSandbox?.Ip ?? "";
        Probes?.Sync(pod, observed, host);
        var probes = Probes?.Snapshot(uid) ?? ProbeSnapshot.None;
        var now = time.GetUtcNow().UtcDateTime;
        var actions = PodActions.Compute(pod, observed, probes, now, backoff);
        if (!actions.CreateSandbox) trace = null;   // only the sync that starts the pod is traced
        var waiting = await applier.ApplyAsync(pod, actions, observed, ct, trace);
        var after = actions.IsEmpty ? observed : await runtime.GetAsync(uid, ct);
        trace?.Mark("read-after");

        if (actions.Deleting)
        {
            if (after.Running.Any()) { worker.RequestAfter(TimeSpan.FromSeconds(1)); return true; }
            await FinishDeletionAsync(pod, after, ct);
            return true;
        }
        host = pod.Spec.HostNetwork == true ? node.InternalIp : after.LatestSandbox?.Ip ?? "";
        Probes?.Sync(pod, after, host);
        await WriteStatusAsync(pod, PodStatusBuilder.Compute(pod, after, Probes?.Snapshot(uid) ?? probes, waiting, node.InternalIp, Truncate(now)), ct);
        if (trace is not null)
        {
            trace.Mark("status");
            Log.Started(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, trace.TotalMs, trace.ToString());
        }

        if (actions.RequeueAfter is { } delay) worker.RequestAfter(delay);
        if (waiting.Values.Any(w => w.Reason is "ErrImagePull" or "ImagePullBackOff" or "CreateContainerConfigError" or "CreateContainerError"))
            worker.RequestAfter(TimeSpan.FromSeconds(5));
        if (!actions.IsEmpty)
        {
            worker.RequestAfter(TimeSpan.FromSeconds(1));   // observe what was just started
            worker.ResetPoll();
        }
        if (InitContainerRunning(pod, after)) worker.PollForExit();
        return true;
    }

    /// <summary>The pod cannot go on until this init container exits (the relist would notice only within its period).</summary>
    private static bool InitContainerRunning(V1Pod pod, PodRuntimeState state) =>
        (pod.Spec.InitContainers ?? []).Any(c => state.Latest(c.Name)?.IsRunning == true);

    private V1Pod? Current(string uid)
    {
        if (!lastSeen.TryGetValue(uid, out var seen)) return null;
        var pod = pods.Get(seen.Metadata.NamespaceProperty, seen.Metadata.Name);
        return pod?.Metadata.Uid == uid ? pod : null;
    }

    /// <summary>Containers are gone: remove the node's copy of the pod (from the state just read), then the API object.</summary>
    private async Task FinishDeletionAsync(V1Pod pod, PodRuntimeState state, CancellationToken ct)
    {
        var meta = pod.Metadata;
        Probes?.Forget(meta.Uid);
        await applier.CleanupAsync(pod, meta.Uid, meta.NamespaceProperty ?? "default", meta.Name, 0, ct, state);
        teardowns.CleanedUp(meta.Uid);
        await DeleteApiObjectAsync(pod, ct);
    }

    /// <summary>Deletes the API object with grace 0 and a uid precondition (the kubelet's status manager does the same).</summary>
    private async Task DeleteApiObjectAsync(V1Pod pod, CancellationToken ct)
    {
        var meta = pod.Metadata;
        try
        {
            await api.DeleteAsync<V1Pod>(meta.NamespaceProperty, meta.Name, ct,
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = meta.Uid } });
        }
        catch (ApiException e) when (e.Code == 409 || e.IsNotFound)
        {
            // Gone already, or another pod of that name replaced it: ours is gone either way.
        }
        teardowns.ApiObjectDeleted(meta.Uid);
    }

    private async Task WriteStatusAsync(V1Pod pod, V1PodStatus status, CancellationToken ct)
    {
        var fresh = ModelJson.Serialize(status);
        if (pod.Status is not null && fresh == ModelJson.Serialize(pod.Status)) return;
        var patch = "{\"status\":" + fresh + "}";
        try
        {
            await api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, "application/merge-patch+json", patch, ct, "status");
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
    }

    private static DateTime Truncate(DateTime t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Pod workers started with {Count} pods bound to this node")]
        public static partial void Adopted(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Information, Message = "Pod {Namespace}/{Pod} started in {Ms:0} ms: {Steps}")]
        public static partial void Started(ILogger logger, string? @namespace, string pod, double ms, string steps);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Relisting the runtime failed: {Error}")]
        public static partial void RelistFailed(ILogger logger, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Sync of pod {Uid} failed, retrying: {Error}")]
        public static partial void SyncFailed(ILogger logger, string uid, string error);
    }
}
