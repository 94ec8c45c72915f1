using System.Collections.Concurrent;
using System.Globalization;
using Bosun.Client;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.SimulatedNodes;

/// <summary>
/// Simulated nodes, as KWOK does: registers N Node objects that look like real ones, keeps them alive (a Lease per
/// node in <c>kube-node-lease</c>, the Ready condition's heartbeat), and plays the node agent for the pods bound to
/// them — Pending to Running and Ready with an IP, finishing when the pod's annotations say so, and removing pods
/// being deleted after a short simulated grace period. No containers run. Heartbeats of a node can be stopped to
/// simulate its failure.
/// </summary>
public sealed partial class SimulatedNodes
{
    public const string LeaseNamespace = "kube-node-lease";

    private readonly ApiClient api;
    private readonly SimulatedNodesOptions options;
    private readonly ILogger logger;
    private readonly ILoggerFactory loggers;
    private readonly TimeProvider time;
    private readonly Dictionary<string, SimulatedNode> nodes = [];
    private readonly ConcurrentDictionary<ObjectKey, PodRun> runs = new();
    private readonly WorkQueue<ObjectKey> work;
    private Informer<V1Pod>? pods;
    private static int sharedIpCounter;
    private volatile bool registered;

    /// <summary>What the simulation remembers of a pod it started.</summary>
    private sealed record PodRun(string Node, string Ip, DateTime Started)
    {
        public int Restarts { get; set; }
        public DateTime? DeletionSeen { get; set; }
    }

    public SimulatedNodes(ApiClient api, SimulatedNodesOptions options, ILoggerFactory loggers, TimeProvider? time = null)
    {
        this.api = api;
        this.options = options;
        this.loggers = loggers;
        logger = loggers.CreateLogger<SimulatedNodes>();
        this.time = time ?? TimeProvider.System;
        work = new WorkQueue<ObjectKey>(this.time);
        for (var i = 0; i < options.Count; i++)
        {
            var node = new SimulatedNode($"{options.NamePrefix}{i}", i);
            if (options.AssignPodCidrs && i < 256) node.PodCidr = $"10.244.{i}.0/24";
            nodes[node.Name] = node;
        }
    }

    public IReadOnlyList<string> NodeNames => [.. nodes.Keys];

    /// <summary>Stops the node's Lease renewals and Ready heartbeats, as if it had died.</summary>
    public void StopHeartbeats(string node) => nodes[node].HeartbeatsEnabled = false;

    /// <summary>Resumes heartbeats; the next round renews the Lease and reports Ready.</summary>
    public void ResumeHeartbeats(string node) => nodes[node].HeartbeatsEnabled = true;

    /// <summary>Registers the nodes and their Leases, then runs heartbeats and the pod agent until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        pods = new Informer<V1Pod>(api, loggers.CreateLogger("Bosun.SimulatedNodes.Informer.Pod"), time);
        pods.On(Enqueue, (_, p) => Enqueue(p), OnDeleted);
        try
        {
            if (!registered) await RegisterAsync(ct);
            Log.Registered(logger, nodes.Count);
            var loops = new List<Task>
            {
                pods.RunAsync(ct),
                EveryAsync(options.LeaseRenewInterval, RenewLeasesAsync, ct),
                EveryAsync(options.StatusHeartbeatInterval, ReportStatusAsync, ct),
            };
            for (var i = 0; i < options.Workers; i++) loops.Add(WorkAsync(ct));
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            work.ShutDown();
        }
    }

    /// <summary>Creates (or refreshes) every Node and its Lease.</summary>
    public async Task RegisterAsync(CancellationToken ct)
    {
        await Parallel.ForEachAsync(nodes.Values, new ParallelOptions { MaxDegreeOfParallelism = options.Workers, CancellationToken = ct },
            async (node, token) =>
            {
                var now = time.GetUtcNow().UtcDateTime;
                var desired = NodeTemplate.Build(node, options, now);
                try
                {
                    await api.CreateAsync<V1Node>(null, desired, token);
                }
                catch (ApiException e) when (e.IsAlreadyExists)
                {
                    await ReregisterAsync(node, now, token);
                }
                await RenewLeaseAsync(node, token);
            });
        registered = true;
    }

    /// <summary>The Node exists (a restart): take over its podCIDR and report a fresh status, retrying lost races.</summary>
    private async Task ReregisterAsync(SimulatedNode node, DateTime now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var existing = await api.GetAsync<V1Node>(null, node.Name, ct);
            node.PodCidr ??= existing.Spec?.PodCIDR;
            existing.Status = NodeTemplate.Build(node, options, now).Status;
            try
            {
                await api.UpdateStatusAsync(null, node.Name, existing, ct);
                return;
            }
            catch (ApiException e) when (e.IsConflict && attempt < 5)
            {
            }
        }
    }

    private async Task EveryAsync(TimeSpan period, Func<CancellationToken, Task> action, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(period, time);
        while (await timer.WaitForNextTickAsync(ct)) await action(ct);
    }

    private Task RenewLeasesAsync(CancellationToken ct) =>
        Parallel.ForEachAsync(nodes.Values.Where(n => n.HeartbeatsEnabled),
            new ParallelOptions { MaxDegreeOfParallelism = options.Workers, CancellationToken = ct }, async (n, t) => await RenewLeaseAsync(n, t));

    private async Task RenewLeaseAsync(SimulatedNode node, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            var patch = LeaseRenewal.Patch(node.Name, options.LeaseDurationSeconds, now);
            await api.PatchAsync<V1Lease>(LeaseNamespace, node.Name, "application/merge-patch+json", patch, ct);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            try
            {
                await api.CreateAsync(LeaseNamespace, new V1Lease
                {
                    ApiVersion = "coordination.k8s.io/v1",
                    Kind = "Lease",
                    Metadata = new V1ObjectMeta { Name = node.Name, NamespaceProperty = LeaseNamespace },
                    Spec = new V1LeaseSpec { HolderIdentity = node.Name, LeaseDurationSeconds = options.LeaseDurationSeconds, RenewTime = now },
                }, ct);
            }
            catch (ApiException c) when (c.IsAlreadyExists)
            {
            }
            catch (Exception c) when (c is ApiException or HttpRequestException)
            {
                Log.HeartbeatFailed(logger, node.Name, c.Message);   // e.g. the server died: the next renewal tries again
            }
        }
        catch (Exception e) when (e is ApiException or HttpRequestException)
        {
            Log.HeartbeatFailed(logger, node.Name, e.Message);
        }
    }

    private Task ReportStatusAsync(CancellationToken ct) =>
        Parallel.ForEachAsync(nodes.Values.Where(n => n.HeartbeatsEnabled),
            new ParallelOptions { MaxDegreeOfParallelism = options.Workers, CancellationToken = ct }, async (n, t) => await ReportNodeStatusAsync(n, t));

    /// <summary>Refreshes the conditions' heartbeat; sets Ready again if something else (the node controller) changed it.</summary>
    public async Task ReportNodeStatusAsync(string node, CancellationToken ct) => await ReportNodeStatusAsync(nodes[node], ct);

    private async Task ReportNodeStatusAsync(SimulatedNode node, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            var current = await api.GetAsync<V1Node>(null, node.Name, ct);
            node.PodCidr = current.Spec?.PodCIDR ?? node.PodCidr;
            var old = current.Status?.Conditions ?? [];
            var fresh = NodeTemplate.Conditions(now, now);
            foreach (var c in fresh)
                if (old.FirstOrDefault(o => o.Type == c.Type) is { } prior && prior.Status == c.Status)
                    c.LastTransitionTime = prior.LastTransitionTime;
            var patch = ModelJson.Serialize(new V1Node { Status = new V1NodeStatus { Conditions = fresh } });
            await api.PatchAsync<V1Node>(null, node.Name, "application/merge-patch+json", patch, ct, "status");
        }
        catch (Exception e) when (e is ApiException or HttpRequestException)
        {
            Log.HeartbeatFailed(logger, node.Name, e.Message);
        }
    }

    private void Enqueue(V1Pod pod)
    {
        if (pod.Spec?.NodeName is { } n && nodes.ContainsKey(n)) work.Add(ObjectKey.Of(pod));
    }

    private void OnDeleted(V1Pod pod) => runs.TryRemove(ObjectKey.Of(pod), out _);

    private async Task WorkAsync(CancellationToken ct)
    {
        while (true)
        {
            var (ok, key) = await work.TakeAsync(ct);
            if (!ok) return;
            try
            {
                await SyncPodAsync(key, ct);
                work.Forget(key);
            }
            catch (Exception e) when (e is ApiException or HttpRequestException)
            {
                Log.PodSyncFailed(logger, key, e.Message);
                work.AddRateLimited(key);
            }
            finally
            {
                work.Done(key);
            }
        }
    }

    /// <summary>Moves one pod a step along its simulated life: start, finish, or go away after deletion.</summary>
    private async Task SyncPodAsync(ObjectKey key, CancellationToken ct)
    {
        if (pods?.TryGet(key, out var pod) != true || pod.Spec?.NodeName is not { } nodeName || !nodes.TryGetValue(nodeName, out var node)) return;
        var now = time.GetUtcNow().UtcDateTime;
        var phase = pod.Status?.Phase;

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            var run = runs.GetOrAdd(key, _ => new PodRun(nodeName, "", now));
            run.DeletionSeen ??= now;
            var grace = TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? 0);
            var wait = grace < options.MaxTerminationDelay ? grace : options.MaxTerminationDelay;
            var due = run.DeletionSeen.Value + wait;
            if (due > now)
            {
                work.AddAfter(key, due - now);
                return;
            }
            await api.DeleteAsync<V1Pod>(key.Namespace, key.Name, ct, new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } });
            runs.TryRemove(key, out _);
            return;
        }
        if (phase is "Succeeded" or "Failed") return;

        if (!runs.TryGetValue(key, out var current) || current.Ip.Length == 0)
        {
            var ip = pod.Status?.PodIP is { Length: > 0 } existingIp ? existingIp : node.NextPodIp(SharedPoolIp);
            var started = pod.Status?.StartTime ?? now;
            current = runs[key] = new PodRun(nodeName, ip, started);
        }
        if (phase != "Running")
        {
            await WriteStatusAsync(pod, PodStatuses.Running(pod, node.InternalIp, current.Ip, current.Started, now), ct);
            Log.PodStarted(logger, key, nodeName);
        }

        if (SimulatedAnnotations.Exit(pod) is not { } exit) return;
        var finishAt = current.Started + exit.RunFor;
        if (finishAt > now)
        {
            work.AddAfter(key, finishAt - now);
            return;
        }
        var restartPolicy = pod.Spec.RestartPolicy ?? "Always";
        var terminal = restartPolicy == "Never" || (restartPolicy == "OnFailure" && exit.ExitCode == 0);
        if (terminal)
        {
            await WriteStatusAsync(pod, PodStatuses.Finished(pod, node.InternalIp, current.Ip, current.Started, now, exit.ExitCode), ct);
            return;
        }
        // The container "restarts": a new run starts now.
        runs[key] = current with { Started = now, Restarts = current.Restarts + 1 };
        await WriteStatusAsync(pod, PodStatuses.Running(pod, node.InternalIp, current.Ip, now, now, current.Restarts + 1), ct);
        if (exit.RunFor > TimeSpan.Zero) work.AddAfter(key, exit.RunFor);
    }

    private async Task WriteStatusAsync(V1Pod pod, V1PodStatus status, CancellationToken ct)
    {
        var patch = ModelJson.Serialize(new V1Pod { Status = status });
        await api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, "application/merge-patch+json", patch, ct, "status");
    }

    private static string SharedPoolIp()
    {
        var n = (uint)Interlocked.Increment(ref sharedIpCounter) % (254 * 256);
        return $"10.244.{n / 254}.{n % 254 + 1}";
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Registered {Count} simulated nodes")]
        public static partial void Registered(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Simulated node {Node} heartbeat failed: {Reason}")]
        public static partial void HeartbeatFailed(ILogger logger, string node, string reason);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Started {Pod} on simulated node {Node}")]
        public static partial void PodStarted(ILogger logger, ObjectKey pod, string node);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Syncing {Pod} failed: {Reason}")]
        public static partial void PodSyncFailed(ILogger logger, ObjectKey pod, string reason);
    }
}
