using Bosun.Client;
using Bosun.Scheduler.Framework;
using k8s.Models;

namespace Bosun.Scheduler.Queue;

/// <summary>
/// kube-scheduler's PriorityQueue. <b>activeQ</b> holds pods ready to schedule, highest priority first, then oldest;
/// <b>backoffQ</b> holds pods that failed recently, each until its back-off (1 s doubling to 10 s per attempt)
/// expires; <b>unschedulable</b> holds pods no node fits until a cluster event (a node added or changed, a pod
/// deleted) might help, or five minutes pass. A pod that failed while such an event happened during its attempt goes
/// to backoffQ instead, so the event is not lost. Time comes from the <see cref="TimeProvider"/>; the flush methods
/// are called by <see cref="RunAsync"/> or directly by tests.
/// </summary>
public sealed class SchedulingQueue
{
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly PriorityQueue<QueuedPodInfo, (int NegPriority, long Ticks, long Seq)> active = new();
    private readonly Dictionary<ObjectKey, QueuedPodInfo> activeSet = [];
    private readonly PriorityQueue<QueuedPodInfo, (long Expiry, long Seq)> backoff = new();
    private readonly Dictionary<ObjectKey, QueuedPodInfo> backoffSet = [];
    private readonly Dictionary<ObjectKey, QueuedPodInfo> unschedulable = [];
    private readonly Dictionary<ObjectKey, QueuedPodInfo> inFlight = [];
    private readonly SemaphoreSlim signal = new(0);
    private long schedulingCycle;
    private long moveRequestCycle = -1;                          // last event that may help any pod
    private readonly Dictionary<string, long> pluginMoveRequestCycle = [];   // last event that may undo a plugin's rejection
    private long sequence;

    public SchedulingQueue(TimeProvider? time = null)
    {
        this.time = time ?? TimeProvider.System;
    }

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan MaxInUnschedulable { get; init; } = TimeSpan.FromMinutes(5);

    public int ActiveCount { get { lock (gate) return activeSet.Count; } }
    public int BackoffCount { get { lock (gate) return backoffSet.Count; } }
    public int UnschedulableCount { get { lock (gate) return unschedulable.Count; } }
    public int InFlightCount { get { lock (gate) return inFlight.Count; } }

    /// <summary>Incremented by every pop; a failed pod remembers the cycle it was tried in.</summary>
    public long SchedulingCycle { get { lock (gate) return schedulingCycle; } }

    /// <summary>A new pending pod, or a changed one.</summary>
    public void AddOrUpdate(V1Pod pod)
    {
        var info = new PodInfo(pod);
        var released = false;
        lock (gate)
        {
            var key = info.Key;
            if (activeSet.TryGetValue(key, out var q) || backoffSet.TryGetValue(key, out q) || inFlight.TryGetValue(key, out q))
            {
                q.Pod = info;
                return;
            }
            if (unschedulable.Remove(key, out q))
            {
                q.Pod = info;
                released = Requeue(q);
            }
            else
            {
                ToActive(new QueuedPodInfo(info, time.GetUtcNow()));
                released = true;
            }
        }
        if (released) signal.Release();
    }

    /// <summary>The pod is gone, or was bound by someone else.</summary>
    public void Delete(ObjectKey key)
    {
        lock (gate)
        {
            activeSet.Remove(key);
            backoffSet.Remove(key);
            unschedulable.Remove(key);
            inFlight.Remove(key);
        }
    }

    public bool Contains(ObjectKey key)
    {
        lock (gate) return activeSet.ContainsKey(key) || backoffSet.ContainsKey(key) || unschedulable.ContainsKey(key) || inFlight.ContainsKey(key);
    }

    /// <summary>Takes the next pod from activeQ without waiting.</summary>
    public bool TryPop(out QueuedPodInfo pod)
    {
        lock (gate)
        {
            while (active.TryDequeue(out pod!, out _))
            {
                if (!activeSet.TryGetValue(pod.Pod.Key, out var current) || !ReferenceEquals(current, pod)) continue;   // stale entry
                activeSet.Remove(pod.Pod.Key);
                pod.Attempts++;
                schedulingCycle++;
                inFlight[pod.Pod.Key] = pod;
                return true;
            }
        }
        pod = null!;
        return false;
    }

    /// <summary>Waits for a pod in activeQ.</summary>
    public async ValueTask<QueuedPodInfo> PopAsync(CancellationToken ct)
    {
        while (true)
        {
            if (TryPop(out var pod)) return pod;
            await signal.WaitAsync(ct);
        }
    }

    /// <summary>The attempt succeeded (the pod is assumed and binding): it leaves the queue.</summary>
    public void Done(ObjectKey key)
    {
        lock (gate) inFlight.Remove(key);
    }

    /// <summary>
    /// No node fits. The pod waits in the unschedulable set for a cluster event, or in backoffQ when an event already
    /// arrived during its attempt. A pod deleted meanwhile is dropped.
    /// </summary>
    public void AddUnschedulable(QueuedPodInfo pod, long podSchedulingCycle, IReadOnlySet<string> rejectedBy)
    {
        lock (gate)
        {
            if (!inFlight.Remove(pod.Pod.Key)) return;
            pod.LastFailure = time.GetUtcNow();
            pod.UnschedulablePlugins = rejectedBy;
            if (EventArrivedSince(podSchedulingCycle, rejectedBy)) ToBackoff(pod);
            else unschedulable[pod.Pod.Key] = pod;
        }
    }

    /// <summary>The attempt failed for another reason (a bind error): retry after back-off.</summary>
    public void AddBackoff(QueuedPodInfo pod)
    {
        lock (gate)
        {
            if (!inFlight.Remove(pod.Pod.Key)) return;
            pod.LastFailure = time.GetUtcNow();
            ToBackoff(pod);
        }
    }

    /// <summary>A cluster event: unschedulable pods it may help go back to activeQ, or to backoffQ if still backing off.</summary>
    public void MoveAllToActiveOrBackoff(ClusterEvent e)
    {
        var released = 0;
        lock (gate)
        {
            if (e.Plugins is null) moveRequestCycle = schedulingCycle;
            else foreach (var plugin in e.Plugins) pluginMoveRequestCycle[plugin] = schedulingCycle;
            if (unschedulable.Count == 0) return;
            foreach (var (key, pod) in unschedulable.ToList())
            {
                if (!e.MayHelp(pod)) continue;
                unschedulable.Remove(key);
                if (Requeue(pod)) released++;
            }
        }
        if (released > 0) signal.Release(released);
    }

    /// <summary>Moves pods whose back-off has expired to activeQ.</summary>
    public int FlushBackoffCompleted()
    {
        var moved = 0;
        lock (gate)
        {
            var now = time.GetUtcNow().UtcTicks;
            while (backoff.TryPeek(out var pod, out var priority) && priority.Expiry <= now)
            {
                backoff.Dequeue();
                if (!backoffSet.TryGetValue(pod.Pod.Key, out var current) || !ReferenceEquals(current, pod)) continue;
                backoffSet.Remove(pod.Pod.Key);
                ToActive(pod);
                moved++;
            }
        }
        if (moved > 0) signal.Release(moved);
        return moved;
    }

    /// <summary>Pods unschedulable for longer than <see cref="MaxInUnschedulable"/> get another try.</summary>
    public int FlushUnschedulableLeftover()
    {
        var released = 0;
        lock (gate)
        {
            var now = time.GetUtcNow();
            foreach (var (key, pod) in unschedulable.ToList())
            {
                if (now - pod.LastFailure < MaxInUnschedulable) continue;
                unschedulable.Remove(key);
                if (Requeue(pod)) released++;
            }
        }
        if (released > 0) signal.Release(released);
        return released;
    }

    /// <summary>The back-off after <paramref name="attempts"/> attempts: 1 s, 2 s, 4 s, 8 s, then 10 s.</summary>
    public TimeSpan BackoffDuration(int attempts)
    {
        var d = InitialBackoff;
        for (var i = 1; i < attempts; i++)
        {
            d *= 2;
            if (d > MaxBackoff) return MaxBackoff;
        }
        return d;
    }

    /// <summary>Flushes backoffQ every second and the unschedulable set every 30 seconds, until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                FlushBackoffCompleted();
                if (++ticks % 30 == 0) FlushUnschedulableLeftover();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Whether an event that may help a pod rejected by these plugins arrived during (or after) its attempt.</summary>
    private bool EventArrivedSince(long podSchedulingCycle, IReadOnlySet<string> rejectedBy)
    {
        if (moveRequestCycle >= podSchedulingCycle) return true;
        if (rejectedBy.Count == 0) return pluginMoveRequestCycle.Values.Any(c => c >= podSchedulingCycle);
        foreach (var plugin in rejectedBy)
            if (pluginMoveRequestCycle.TryGetValue(plugin, out var c) && c >= podSchedulingCycle) return true;
        return false;
    }

    private DateTimeOffset BackoffExpiry(QueuedPodInfo pod) => pod.LastFailure + BackoffDuration(pod.Attempts);

    /// <summary>True when the pod went to activeQ (a waiting popper should wake).</summary>
    private bool Requeue(QueuedPodInfo pod)
    {
        if (BackoffExpiry(pod) > time.GetUtcNow())
        {
            ToBackoff(pod);
            return false;
        }
        ToActive(pod);
        return true;
    }

    private void ToActive(QueuedPodInfo pod)
    {
        pod.Sequence = ++sequence;
        activeSet[pod.Pod.Key] = pod;
        active.Enqueue(pod, (-pod.Pod.Priority, pod.Timestamp.UtcTicks, pod.Sequence));
    }

    private void ToBackoff(QueuedPodInfo pod)
    {
        pod.Sequence = ++sequence;
        backoffSet[pod.Pod.Key] = pod;
        backoff.Enqueue(pod, (BackoffExpiry(pod).UtcTicks, pod.Sequence));
    }
}
