using System.Collections.Concurrent;
using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers.NodeLifecycle;

/// <summary>
/// Watches node heartbeats and acts on silence (upstream's node lifecycle controller with its NoExecute taint manager):
/// <list type="bullet">
/// <item>A node whose Lease in <c>kube-node-lease</c> and Ready heartbeat have not changed for the grace period gets
/// every condition set to Unknown (<c>NodeStatusUnknown</c>, "Kubelet stopped posting node status.").</item>
/// <item>Taints follow the Ready condition: Unknown → <c>node.kubernetes.io/unreachable</c>, False →
/// <c>node.kubernetes.io/not-ready</c>, each NoSchedule and NoExecute (with timeAdded); True → none.</item>
/// <item>Pods on a node with NoExecute taints are deleted at once if they do not tolerate one, else when the shortest
/// matching tolerationSeconds since the taint's timeAdded has passed (admission gives pods 300 s by default).</item>
/// </list>
/// </summary>
/// <remarks>
/// Like upstream, a heartbeat counts from when <i>this controller</i> saw it change (its own clock), not from the
/// kubelet's timestamp, so clock skew between machines does not matter. Each node key is looked at again every
/// monitor period (and at the next due eviction) through the queue's delayed add; there is no polling loop.
/// </remarks>
internal sealed partial class NodeLifecycleController : IController
{
    public const string LeaseNamespace = "kube-node-lease";

    private static readonly string[] ManagedKeys = [Taints.Unreachable, Taints.NotReady];

    private readonly ControllerContext context;
    private readonly TimeSpan gracePeriod;
    private readonly TimeSpan monitorPeriod;
    private readonly Informer<V1Node> nodes;
    private readonly Informer<V1Lease> leases;
    private readonly Informer<V1Pod> pods;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;
    private readonly ConcurrentDictionary<string, Health> health = new();

    /// <summary>The last heartbeat values seen for a node and when (on our clock) they last changed.</summary>
    private sealed record Health(DateTime? LeaseRenew, DateTime? ReadyHeartbeat, DateTimeOffset ProbeTime);

    public NodeLifecycleController(ControllerContext context, TimeSpan? gracePeriod = null, TimeSpan? monitorPeriod = null)
    {
        this.context = context;
        this.gracePeriod = gracePeriod ?? TimeSpan.FromSeconds(40);
        this.monitorPeriod = monitorPeriod ?? TimeSpan.FromSeconds(5);
        nodes = context.Informers.For<V1Node>();
        leases = context.Informers.For<V1Lease>();
        pods = context.Informers.For<V1Pod>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger<NodeLifecycleController>();
    }

    public string Name => "nodelifecycle";

    internal WorkQueue<ObjectKey> Queue => queue;

    public void Register(ControllerHost host)
    {
        nodes.On(
            added: n => queue.Add(ObjectKey.Of(n)),
            updated: (_, n) => queue.Add(ObjectKey.Of(n)),
            deleted: n => queue.Add(ObjectKey.Of(n)));
        leases.On(added: LeaseChanged, updated: (_, l) => LeaseChanged(l));
        pods.On(added: PodChanged, updated: (_, p) => PodChanged(p));
        host.AddInformer(nodes).AddInformer(leases).AddInformer(pods).AddController(this, queue, workers: 2);
    }

    private void LeaseChanged(V1Lease lease)
    {
        if (lease.Metadata.NamespaceProperty == LeaseNamespace) queue.Add(new ObjectKey("", lease.Metadata.Name));
    }

    /// <summary>A pod landing on a node with NoExecute taints needs its eviction time worked out.</summary>
    private void PodChanged(V1Pod pod)
    {
        if (pod.Spec?.NodeName is not { Length: > 0 } nodeName || pod.Metadata.DeletionTimestamp is not null) return;
        if (nodes.Get(null, nodeName)?.Spec?.Taints?.Any(t => t.Effect == Taints.NoExecute) == true)
            queue.Add(new ObjectKey("", nodeName));
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!nodes.TryGet(key, out var node))
        {
            health.TryRemove(key.Name, out _);
            return ReconcileResult.Done;
        }
        var now = context.Time.GetUtcNow();
        var probe = ObserveHeartbeat(node, now);
        var stale = now - probe > gracePeriod;

        if (stale && MarkUnknown(node, now) is { } unknown)
        {
            node = await context.Api.UpdateStatusAsync(null, node.Metadata.Name, unknown, ct);
            context.Events.Record(node, EventRecorder.Normal, "NodeNotReady", $"Node {node.Metadata.Name} status is now: NodeNotReady");
            Log.Unknown(logger, node.Metadata.Name, (now - probe).TotalSeconds);
        }
        if (WithTaints(node, now) is { } tainted)
        {
            node = await context.Api.UpdateAsync(null, node.Metadata.Name, tainted, ct);
            Log.Tainted(logger, node.Metadata.Name, string.Join(",", (node.Spec?.Taints ?? []).Select(t => $"{t.Key}:{t.Effect}")));
        }

        if (ReadyCondition(node)?.Status == "Unknown" && stale) await MarkPodsNotReadyAsync(node, now, ct);

        var next = now + monitorPeriod;
        if (!stale && probe + gracePeriod < next) next = probe + gracePeriod + TimeSpan.FromMilliseconds(1);
        if (await EvictAsync(node, now, ct) is { } due && due < next) next = due;
        return ReconcileResult.After(next - now);
    }

    /// <summary>Records a changed heartbeat (lease renewal or Ready heartbeat) and returns when the last one was seen.</summary>
    private DateTimeOffset ObserveHeartbeat(V1Node node, DateTimeOffset now)
    {
        var renew = leases.Get(LeaseNamespace, node.Metadata.Name)?.Spec?.RenewTime;
        var heartbeat = ReadyCondition(node)?.LastHeartbeatTime;
        var seen = health.AddOrUpdate(node.Metadata.Name,
            _ => new Health(renew, heartbeat, now),
            (_, h) => h.LeaseRenew != renew || h.ReadyHeartbeat != heartbeat ? new Health(renew, heartbeat, now) : h);
        return seen.ProbeTime;
    }

    private static V1NodeCondition? ReadyCondition(V1Node node) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");

    /// <summary>A copy with every condition Unknown (Ready added if the kubelet never posted it), or null if already so.</summary>
    private static V1Node? MarkUnknown(V1Node node, DateTimeOffset now)
    {
        var conditions = node.Status?.Conditions ?? [];
        if (conditions.Any(c => c.Type == "Ready") && conditions.All(c => c.Status == "Unknown")) return null;
        var copy = Objects.Clone(node);
        copy.Status ??= new V1NodeStatus();
        copy.Status.Conditions ??= [];
        var at = now.UtcDateTime;
        if (!copy.Status.Conditions.Any(c => c.Type == "Ready"))
        {
            copy.Status.Conditions.Add(new V1NodeCondition
            {
                Type = "Ready", Status = "Unknown", Reason = "NodeStatusNeverUpdated", Message = "Kubelet never posted node status.",
                LastHeartbeatTime = node.Metadata.CreationTimestamp, LastTransitionTime = at,
            });
        }
        foreach (var c in copy.Status.Conditions.Where(c => c.Status != "Unknown"))
        {
            c.Status = "Unknown";
            c.Reason = "NodeStatusUnknown";
            c.Message = "Kubelet stopped posting node status.";
            c.LastTransitionTime = at;
        }
        return copy;
    }

    /// <summary>A copy whose lifecycle taints match its Ready condition, or null if they already do.</summary>
    private static V1Node? WithTaints(V1Node node, DateTimeOffset now)
    {
        var wantKey = ReadyCondition(node)?.Status switch
        {
            "Unknown" => Taints.Unreachable,
            "False" => Taints.NotReady,
            _ => null,
        };
        var current = node.Spec?.Taints ?? [];
        var kept = current.Where(t => !ManagedKeys.Contains(t.Key) || (t.Key == wantKey && t.Effect is Taints.NoSchedule or Taints.NoExecute)).ToList();
        if (wantKey is not null)
        {
            foreach (var effect in (string[])[Taints.NoSchedule, Taints.NoExecute])
                if (!kept.Any(t => t.Key == wantKey && t.Effect == effect))
                    kept.Add(new V1Taint { Key = wantKey, Effect = effect, TimeAdded = now.UtcDateTime });
        }
        if (kept.Count == current.Count && kept.All(current.Contains)) return null;
        var copy = Objects.Clone(node);
        copy.Spec ??= new V1NodeSpec();
        copy.Spec.Taints = kept.Count == 0 ? null : kept;
        return copy;
    }

    /// <summary>
    /// Upstream's MarkPodsNotReady: nobody reports for the pods of an unreachable node, so their Ready condition turns
    /// False (reason NodeLost) and Services stop sending them traffic until they are evicted or the kubelet returns.
    /// </summary>
    private async Task MarkPodsNotReadyAsync(V1Node node, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var pod in pods.List().Where(p => p.Spec?.NodeName == node.Metadata.Name && Pods.IsReady(p)))
        {
            var copy = Objects.Clone(pod);
            var ready = copy.Status.Conditions.First(c => c.Type == "Ready");
            ready.Status = "False";
            ready.Reason = "NodeLost";
            ready.Message = $"Node {node.Metadata.Name} which was running pod {pod.Metadata.Name} is unresponsive";
            ready.LastTransitionTime = now.UtcDateTime;
            try
            {
                await context.Api.UpdateStatusAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, copy, ct);
            }
            catch (ApiException e) when (e.IsNotFound || e.IsConflict)
            {
                // Gone, or changed meanwhile: the next look decides again.
            }
        }
    }

    /// <summary>Deletes the pods whose time on this node's NoExecute taints is up; returns when the next one is due.</summary>
    private async Task<DateTimeOffset?> EvictAsync(V1Node node, DateTimeOffset now, CancellationToken ct)
    {
        var noExecute = (node.Spec?.Taints ?? []).Where(t => t.Effect == Taints.NoExecute).ToList();
        if (noExecute.Count == 0) return null;
        DateTimeOffset? next = null;
        foreach (var pod in pods.List().Where(p => p.Spec?.NodeName == node.Metadata.Name && p.Metadata.DeletionTimestamp is null))
        {
            if (Taints.EvictionTime(pod, noExecute, now) is not { } at) continue;
            if (at > now)
            {
                if (next is null || at < next) next = at;
                continue;
            }
            await context.Api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, ct);
            context.Events.Record(pod, EventRecorder.Normal, "TaintManagerEviction", $"Marking for deletion Pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}");
            Log.Evicted(logger, pod.Metadata.NamespaceProperty ?? "", pod.Metadata.Name, node.Metadata.Name);
        }
        return next;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} has not posted status for {Seconds:F0}s: conditions Unknown")]
        public static partial void Unknown(ILogger logger, string node, double seconds);

        [LoggerMessage(Level = LogLevel.Information, Message = "Node {Node} taints now {Taints}")]
        public static partial void Tainted(ILogger logger, string node, string taints);

        [LoggerMessage(Level = LogLevel.Information, Message = "Evicting pod {Namespace}/{Pod} from node {Node} (NoExecute taint not tolerated any longer)")]
        public static partial void Evicted(ILogger logger, string @namespace, string pod, string node);
    }
}
