using System.Collections.Concurrent;
using Bosun.Client;
using Bosun.Scheduler.Cache;
using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.VolumeBinding;
using Bosun.Scheduler.Queue;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Scheduler;

/// <summary>
/// The scheduler: watches nodes and pods, and for every pending pod whose <c>spec.schedulerName</c> is ours runs one
/// scheduling cycle (<see cref="SchedulingAlgorithm"/> on the cache), assumes the pod onto the chosen node, and binds
/// it through <c>pods/binding</c> in the background while the next pod is scheduled. When no node fits, the pod gets
/// a FailedScheduling event and a PodScheduled=False condition, and waits in the queue for a cluster change.
/// </summary>
public sealed partial class Scheduler
{
    public const string LeaseName = "kube-scheduler";
    public const string LeaseNamespace = "kube-system";
    public const string Component = "default-scheduler";

    private readonly ApiClient api;
    private readonly ILoggerFactory loggers;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly SchedulerOptions options;
    private readonly SchedulingAlgorithm algorithm;
    private readonly EventRecorder events;
    private readonly SemaphoreSlim bindSlots;
    private readonly ConcurrentDictionary<Task, byte> background = new();
    private readonly InformerVolumeLister volumeLister = new();
    private readonly VolumeBindingPlugin volumeBinding;
    private readonly VolumeBinder volumeBinder;
    private Informer<V1Pod>? pods;

    public Scheduler(ApiClient api, ILoggerFactory loggers, TimeProvider? time = null, SchedulerOptions? options = null)
    {
        this.api = api;
        this.loggers = loggers;
        logger = loggers.CreateLogger<Scheduler>();
        this.time = time ?? TimeProvider.System;
        this.options = options ?? new SchedulerOptions();
        volumeBinding = new VolumeBindingPlugin(volumeLister);
        volumeBinder = new VolumeBinder(api);
        algorithm = new SchedulingAlgorithm(this.options.Profile.WithVolumeBinding(volumeBinding), this.options.PercentageOfNodesToScore,
            new Random(this.options.Seed));
        events = new EventRecorder(api, Component, loggers.CreateLogger<EventRecorder>(), this.time);
        bindSlots = new SemaphoreSlim(this.options.MaxInFlightBindings);
        Queue = new SchedulingQueue(this.time);
    }

    /// <summary>The cache and queue of the current (or last) run; each run starts from fresh ones.</summary>
    public SchedulerCache Cache { get; private set; } = new();

    public SchedulingQueue Queue { get; private set; }

    /// <summary>Pods bound so far (for metrics and tests).</summary>
    public long Scheduled => Interlocked.Read(ref scheduled);
    private long scheduled;
    private int runs;

    /// <summary>Campaigns for the <c>kube-system/kube-scheduler</c> Lease and schedules while leading.</summary>
    public Task RunAsync(CancellationToken ct)
    {
        var elector = LeaderElector.WithLeaseDuration(api, LeaseNamespace, LeaseName, options.Identity, loggers.CreateLogger<LeaderElector>(), time, options.LeaderElectLeaseDuration);
        return elector.RunAsync(RunSchedulingAsync, ct);
    }

    /// <summary>Schedules until cancelled, without leader election.</summary>
    public async Task RunSchedulingAsync(CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (Interlocked.Exchange(ref runs, 1) == 1)
        {
            // Leadership regained: what the previous term knew may be stale; the informers rebuild it.
            Cache = new SchedulerCache();
            Queue = new SchedulingQueue(time);
        }
        var nodes = new Informer<V1Node>(api, loggers.CreateLogger("Bosun.Scheduler.Informer.Node"), time);
        pods = new Informer<V1Pod>(api, loggers.CreateLogger("Bosun.Scheduler.Informer.Pod"), time);
        nodes.On(Guard<V1Node>(OnNodeAdded), Guard<V1Node>(OnNodeUpdated), Guard<V1Node>(OnNodeDeleted));
        pods.On(Guard<V1Pod>(OnPodAdded), Guard<V1Pod>(OnPodUpdated), Guard<V1Pod>(OnPodDeleted));
        var storage = StartStorageInformers();
        Task[] loops =
        [
            nodes.RunAsync(stop.Token), pods.RunAsync(stop.Token), events.RunAsync(stop.Token), Queue.RunAsync(stop.Token),
            .. storage.Select(i => i.RunAsync(stop.Token)),
        ];
        try
        {
            await nodes.WaitForSyncAsync(ct);
            await pods.WaitForSyncAsync(ct);
            foreach (var informer in storage) await informer.WaitForSyncAsync(ct);
            Log.Started(logger, Cache.NodeCount);
            while (!ct.IsCancellationRequested) await ScheduleOneAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        finally
        {
            await stop.CancelAsync();
            await WhenAllQuietly([.. loops, .. background.Keys]);
        }
    }

    /// <summary>Claims, volumes and classes for the VolumeBinding plugin; any change may help a pod it rejected.</summary>
    private IInformer[] StartStorageInformers()
    {
        var claims = new Informer<V1PersistentVolumeClaim>(api, loggers.CreateLogger("Bosun.Scheduler.Informer.PersistentVolumeClaim"), time);
        var volumes = new Informer<V1PersistentVolume>(api, loggers.CreateLogger("Bosun.Scheduler.Informer.PersistentVolume"), time);
        var classes = new Informer<V1StorageClass>(api, loggers.CreateLogger("Bosun.Scheduler.Informer.StorageClass"), time);
        void Changed() => Queue.MoveAllToActiveOrBackoff(ClusterEvent.StorageChange);
        claims.On(_ => Changed(), (_, _) => Changed());
        volumes.On(_ => Changed(), (_, _) => Changed(), _ => Changed());
        classes.On(_ => Changed(), (_, _) => Changed());
        volumeLister.Claims = claims;
        volumeLister.PersistentVolumes = volumes;
        volumeLister.Classes = classes;
        return [claims, volumes, classes];
    }

    /// <summary>One pod: pop, decide, assume, and hand the bind to the background.</summary>
    internal async Task ScheduleOneAsync(CancellationToken ct)
    {
        var queued = await Queue.PopAsync(ct);
        var pod = queued.Pod;
        if (Latest(pod.Key) is not { } current || !string.IsNullOrEmpty(current.Spec.NodeName) || current.Metadata.DeletionTimestamp is not null)
        {
            Queue.Delete(pod.Key);
            return;
        }
        var cycle = Queue.SchedulingCycle;
        var result = Cache.Run(nodes => algorithm.Schedule(pod, nodes));
        if (!result.Succeeded)
        {
            var error = result.Error!;
            Queue.AddUnschedulable(queued, cycle, error.RejectedBy);
            var message = error.Message;
            Log.Unschedulable(logger, pod.Key, message);
            events.Record(EventTarget(current), EventRecorder.Warning, "FailedScheduling", message);
            Track(SetUnschedulableConditionAsync(current, message, ct));
            return;
        }
        var node = result.SuggestedHost!;
        var volumes = Cache.Run(nodes => nodes.FirstOrDefault(n => n.Name == node) is { } info ? volumeBinding.DecideFor(current, info) : null);
        Cache.AssumePod(pod, node);
        await bindSlots.WaitAsync(ct);
        Track(BindAsync(queued, current, node, volumes, ct));
    }

    private async Task BindAsync(QueuedPodInfo queued, V1Pod pod, string node, VolumeBindingPlugin.Decision? volumes, CancellationToken ct)
    {
        var key = queued.Pod.Key;
        try
        {
            // PreBind: the claims learn their node (or volume) before the pod is bound to it.
            if (volumes is not null && !await PreBindVolumesAsync(queued, pod, node, volumes, ct)) return;
            var binding = new V1Binding
            {
                Metadata = new V1ObjectMeta { Name = key.Name, NamespaceProperty = key.Namespace, Uid = pod.Metadata.Uid },
                Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = node },
            };
            await api.PostSubresourceAsync<V1Pod>(key.Namespace, key.Name, "binding", binding, ct);
            Cache.FinishBinding(key);
            Queue.Done(key);
            Interlocked.Increment(ref scheduled);
            events.Record(EventTarget(pod), EventRecorder.Normal, "Scheduled", $"Successfully assigned {key} to {node}");
        }
        catch (Exception e) when (e is ApiException or HttpRequestException)
        {
            Cache.ForgetPod(key);
            if (e is ApiException { IsNotFound: true } or ApiException { Code: 409 })
            {
                Queue.Delete(key);   // gone, or bound by someone else: the informer brings the truth
                return;
            }
            Log.BindFailed(logger, key, node, e.Message);
            events.Record(EventTarget(pod), EventRecorder.Warning, "FailedScheduling", $"Binding rejected: {e.Message}");
            Queue.AddBackoff(queued);
        }
        catch (OperationCanceledException)
        {
            Cache.ForgetPod(key);
        }
        finally
        {
            bindSlots.Release();
        }
    }

    /// <summary>
    /// Writes the VolumeBinding decision. A failure (a volume taken meanwhile: 409) sends the pod back to back-off
    /// for a fresh decision, never out of the queue as a conflicting pod binding would.
    /// </summary>
    private async Task<bool> PreBindVolumesAsync(QueuedPodInfo queued, V1Pod pod, string node, VolumeBindingPlugin.Decision volumes, CancellationToken ct)
    {
        try
        {
            await volumeBinder.ApplyAsync(volumes, node, ct);
            return true;
        }
        catch (Exception e) when (e is ApiException or HttpRequestException)
        {
            var key = queued.Pod.Key;
            Cache.ForgetPod(key);
            Log.BindFailed(logger, key, node, e.Message);
            events.Record(EventTarget(pod), EventRecorder.Warning, "FailedScheduling",
                $"running PreBind plugin \"{VolumeBindingPlugin.PluginName}\": {e.Message}");
            Queue.AddBackoff(queued);
            return false;
        }
    }

    /// <summary>Sets PodScheduled=False, reason Unschedulable, unless the pod already says exactly that.</summary>
    private async Task SetUnschedulableConditionAsync(V1Pod pod, string message, CancellationToken ct)
    {
        var conditions = pod.Status?.Conditions ?? [];
        var existing = conditions.FirstOrDefault(c => c.Type == "PodScheduled");
        if (existing is { Status: "False", Reason: "Unschedulable" } && existing.Message == message) return;
        var now = time.GetUtcNow().UtcDateTime;
        var updated = conditions.Where(c => c.Type != "PodScheduled").ToList();
        updated.Add(new V1PodCondition
        {
            Type = "PodScheduled",
            Status = "False",
            Reason = "Unschedulable",
            Message = message,
            LastTransitionTime = existing?.Status == "False" ? existing.LastTransitionTime ?? now : now,
        });
        var patch = ModelJson.Serialize(new V1Pod { Status = new V1PodStatus { Conditions = updated } });
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, "application/merge-patch+json", patch, ct, "status");
                return;
            }
            catch (ApiException e) when (e.IsConflict && attempt < 3)
            {
                // A concurrent write won the race; the patch carries no resourceVersion, so trying again is safe.
            }
            catch (Exception e) when (e is ApiException or HttpRequestException)
            {
                Log.ConditionFailed(logger, ObjectKey.Of(pod), e.Message);
                return;
            }
        }
    }

    private V1Pod? Latest(ObjectKey key) => pods?.TryGet(key, out var p) == true ? p : null;

    private static V1Pod EventTarget(V1Pod pod) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = pod.Metadata.Name,
            NamespaceProperty = pod.Metadata.NamespaceProperty,
            Uid = pod.Metadata.Uid,
            ResourceVersion = pod.Metadata.ResourceVersion,
        },
    };

    private bool IsResponsibleFor(V1Pod pod) =>
        (pod.Spec.SchedulerName is null or "" ? SchedulerProfile.DefaultSchedulerName : pod.Spec.SchedulerName) == options.Profile.SchedulerName;

    private static bool IsAssigned(V1Pod pod) => !string.IsNullOrEmpty(pod.Spec?.NodeName);

    /// <summary>Pods with scheduling gates wait outside the queue until the gates are removed (upstream PreEnqueue).</summary>
    private static bool IsGated(V1Pod pod) => pod.Spec?.SchedulingGates is { Count: > 0 };

    private static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    private void OnPodAdded(V1Pod pod)
    {
        if (IsAssigned(pod))
        {
            if (IsTerminal(pod)) return;
            Cache.AddPod(pod);
            Queue.Delete(ObjectKey.Of(pod));
            Queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd);
        }
        else if (IsResponsibleFor(pod) && pod.Metadata.DeletionTimestamp is null && !IsTerminal(pod) && !IsGated(pod))
        {
            Queue.AddOrUpdate(pod);
        }
    }

    private void OnPodUpdated(V1Pod old, V1Pod pod)
    {
        if (IsAssigned(pod))
        {
            var key = ObjectKey.Of(pod);
            if (IsTerminal(pod))
            {
                Cache.RemovePod(key);
                Queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete);
                return;
            }
            Cache.UpdatePod(pod);
            if (!IsAssigned(old))
            {
                Queue.Delete(key);
                Queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd);
            }
        }
        else if (IsResponsibleFor(pod))
        {
            if (pod.Metadata.DeletionTimestamp is not null || IsGated(pod)) Queue.Delete(ObjectKey.Of(pod));
            else if (!Queue.Contains(ObjectKey.Of(pod)) || SchedulingRelevantChange(old, pod)) Queue.AddOrUpdate(pod);
        }
    }

    private void OnPodDeleted(V1Pod pod)
    {
        var key = ObjectKey.Of(pod);
        if (IsAssigned(pod))
        {
            Cache.RemovePod(key);
            Queue.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodDelete);
        }
        else
        {
            Queue.Delete(key);
        }
    }

    /// <summary>Whether a pending pod changed in a way a new attempt could see (not just its status, as our own condition writes).</summary>
    private static bool SchedulingRelevantChange(V1Pod old, V1Pod pod) =>
        !SameJson(old.Spec, pod.Spec) || !SameLabels(old.Metadata.Labels, pod.Metadata.Labels);

    private static bool SameLabels(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if ((a?.Count ?? 0) != (b?.Count ?? 0)) return false;
        if (a is null || b is null) return true;
        foreach (var (k, v) in a)
            if (!b.TryGetValue(k, out var w) || w != v) return false;
        return true;
    }

    private static bool SameJson(object? a, object? b) =>
        a is null ? b is null : b is not null && ModelJson.Serialize(a) == ModelJson.Serialize(b);

    private void OnNodeAdded(V1Node node)
    {
        Cache.AddOrUpdateNode(node);
        Queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);
    }

    private void OnNodeUpdated(V1Node old, V1Node node)
    {
        Cache.AddOrUpdateNode(node);
        if (NodeSchedulingPropertiesChanged(old, node)) Queue.MoveAllToActiveOrBackoff(ClusterEvent.NodeUpdate);
    }

    private void OnNodeDeleted(V1Node node) => Cache.RemoveNode(node.Metadata.Name);

    /// <summary>Heartbeats change nothing a filter reads; labels, taints, cordoning and allocatable do.</summary>
    private static bool NodeSchedulingPropertiesChanged(V1Node old, V1Node node) =>
        (old.Spec?.Unschedulable ?? false) != (node.Spec?.Unschedulable ?? false) ||
        !SameLabels(old.Metadata.Labels, node.Metadata.Labels) ||
        !SameJson(old.Spec?.Taints, node.Spec?.Taints) ||
        Framework.Resources.From(old.Status?.Allocatable) != Framework.Resources.From(node.Status?.Allocatable) ||
        Framework.Resources.ValueOf(old.Status?.Allocatable, "pods") != Framework.Resources.ValueOf(node.Status?.Allocatable, "pods");

    /// <summary>A handler that throws must not end the informer's watch: log it and carry on.</summary>
    private Action<T> Guard<T>(Action<T> handler) => obj =>
    {
        try { handler(obj); }
        catch (Exception e) { Log.HandlerFailed(logger, typeof(T).Name, e); }
    };

    private Action<T, T> Guard<T>(Action<T, T> handler) => (old, obj) =>
    {
        try { handler(old, obj); }
        catch (Exception e) { Log.HandlerFailed(logger, typeof(T).Name, e); }
    };

    private void Track(Task task)
    {
        background.TryAdd(task, 0);
        _ = task.ContinueWith(t => background.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private static async Task WhenAllQuietly(Task[] tasks)
    {
        try { await Task.WhenAll(tasks); }
        catch (OperationCanceledException) { }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Scheduler started with {Nodes} nodes")]
        public static partial void Started(ILogger logger, int nodes);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Unable to schedule {Pod}: {Reason}")]
        public static partial void Unschedulable(ILogger logger, ObjectKey pod, string reason);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Binding {Pod} to {Node} failed: {Reason}")]
        public static partial void BindFailed(ILogger logger, ObjectKey pod, string node, string reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "Scheduler event handler for {Kind} failed")]
        public static partial void HandlerFailed(ILogger logger, string kind, Exception exception);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Could not set PodScheduled condition on {Pod}: {Reason}")]
        public static partial void ConditionFailed(ILogger logger, ObjectKey pod, string reason);
    }
}
