using Bosun.Api;
using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers.Disruption;

/// <summary>
/// Keeps each PodDisruptionBudget's status current (upstream's disruption controller): how many of the pods its
/// selector matches are healthy (ready, not being deleted, not just evicted), how many must be, and so how many
/// voluntary disruptions (evictions) are allowed now. The eviction subresource in the API server reads this status.
/// </summary>
/// <remarks>
/// expectedPods: with an integer minAvailable, the number of matching pods; with a percentage or maxUnavailable, the
/// sum of the replicas of the pods' controllers (ReplicaSet, ReplicationController, StatefulSet), each counted once,
/// where a pod without such a controller counts as one.
/// </remarks>
internal sealed partial class DisruptionController : IController
{
    /// <summary>How long an eviction's entry in disruptedPods holds a pod out of the healthy count (upstream: 2 min).</summary>
    public static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    private readonly ControllerContext context;
    private readonly Informer<V1PodDisruptionBudget> budgets;
    private readonly Informer<V1Pod> pods;
    private readonly Informer<V1ReplicaSet> replicaSets;
    private readonly Informer<V1ReplicationController> replicationControllers;
    private readonly Informer<V1StatefulSet> statefulSets;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;

    public DisruptionController(ControllerContext context)
    {
        this.context = context;
        budgets = context.Informers.For<V1PodDisruptionBudget>();
        pods = context.Informers.For<V1Pod>();
        replicaSets = context.Informers.For<V1ReplicaSet>();
        replicationControllers = context.Informers.For<V1ReplicationController>();
        statefulSets = context.Informers.For<V1StatefulSet>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger<DisruptionController>();
    }

    public string Name => "disruption";

    public void Register(ControllerHost host)
    {
        budgets.On(added: b => queue.Add(ObjectKey.Of(b)), updated: (_, b) => queue.Add(ObjectKey.Of(b)));
        pods.On(added: EnqueueFor, updated: (old, p) => { EnqueueFor(old); EnqueueFor(p); }, deleted: EnqueueFor);
        replicaSets.On(updated: (_, rs) => EnqueueInNamespace(rs.Metadata.NamespaceProperty));
        replicationControllers.On(updated: (_, rc) => EnqueueInNamespace(rc.Metadata.NamespaceProperty));
        statefulSets.On(updated: (_, ss) => EnqueueInNamespace(ss.Metadata.NamespaceProperty));
        host.AddInformer(budgets).AddInformer(pods).AddInformer(replicaSets).AddInformer(replicationControllers)
            .AddInformer(statefulSets).AddController(this, queue);
    }

    private void EnqueueFor(V1Pod pod)
    {
        foreach (var b in budgets.List(pod.Metadata.NamespaceProperty ?? ""))
            if (Selector(b).Matches(pod.Metadata.Labels?.AsReadOnly())) queue.Add(ObjectKey.Of(b));
    }

    private void EnqueueInNamespace(string? ns)
    {
        foreach (var b in budgets.List(ns ?? "")) queue.Add(ObjectKey.Of(b));
    }

    /// <summary>As upstream: a nil selector matches nothing, an empty one everything.</summary>
    private static LabelSelector Selector(V1PodDisruptionBudget b) =>
        b.Spec?.Selector is null ? LabelSelector.Nothing : LabelSelector.FromLabelSelector(b.Spec.Selector);

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!budgets.TryGet(key, out var pdb) || pdb.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var now = context.Time.GetUtcNow();
        var selector = Selector(pdb);
        var matching = pods.List(key.Namespace).Where(p => selector.Matches(p.Metadata.Labels?.AsReadOnly())).ToList();

        // Evicted pods the cache still shows alive stay out of the healthy count until deleted or timed out.
        var disrupted = new Dictionary<string, DateTime?>();
        foreach (var (name, at) in pdb.Status?.DisruptedPods ?? new Dictionary<string, DateTime?>())
        {
            if (at is null) continue;
            var pod = matching.FirstOrDefault(p => p.Metadata.Name == name);
            if (pod is null || pod.Metadata.DeletionTimestamp is not null) continue;
            if (new DateTimeOffset(DateTime.SpecifyKind(at.Value, DateTimeKind.Utc)) + DeletionTimeout <= now) continue;
            disrupted[name] = at;
        }

        var healthy = matching.Count(p => p.Metadata.DeletionTimestamp is null && Pods.IsReady(p) && !disrupted.ContainsKey(p.Metadata.Name));
        var (expected, desired) = Budget(pdb, matching);
        var allowed = Math.Max(0, healthy - desired);

        var status = Objects.Clone(pdb.Status ?? new V1PodDisruptionBudgetStatus());
        status.CurrentHealthy = healthy;
        status.DesiredHealthy = desired;
        status.ExpectedPods = expected;
        status.DisruptionsAllowed = allowed;
        status.ObservedGeneration = pdb.Metadata.Generation;
        status.DisruptedPods = disrupted.Count == 0 ? null : disrupted;
        var condition = new V1Condition
        {
            Type = "DisruptionAllowed",
            Status = allowed > 0 ? "True" : "False",
            Reason = allowed > 0 ? "SufficientPods" : "InsufficientPods",
            Message = "",
            ObservedGeneration = pdb.Metadata.Generation,
            LastTransitionTime = now.UtcDateTime,
        };
        var old = status.Conditions?.FirstOrDefault(c => c.Type == "DisruptionAllowed");
        if (old is not null && old.Status == condition.Status) condition.LastTransitionTime = old.LastTransitionTime;
        status.Conditions = [.. (status.Conditions ?? []).Where(c => c.Type != "DisruptionAllowed"), condition];

        if (!Objects.SemanticEquals(status, pdb.Status))
        {
            var copy = Objects.Clone(pdb);
            copy.Status = status;
            await context.Api.UpdateStatusAsync(key.Namespace, key.Name, copy, ct);
            Log.Status(logger, key.ToString(), healthy, desired, expected, allowed);
        }

        // An eviction entry expiring changes the count: look again then.
        var expiry = disrupted.Values.Select(at => new DateTimeOffset(DateTime.SpecifyKind(at!.Value, DateTimeKind.Utc)) + DeletionTimeout - now)
            .Where(d => d > TimeSpan.Zero).DefaultIfEmpty(TimeSpan.Zero).Min();
        return expiry > TimeSpan.Zero ? ReconcileResult.After(expiry) : ReconcileResult.Done;
    }

    /// <summary>(expectedPods, desiredHealthy) from minAvailable or maxUnavailable.</summary>
    private (int Expected, int Desired) Budget(V1PodDisruptionBudget pdb, List<V1Pod> matching)
    {
        if (pdb.Spec?.MaxUnavailable is { } maxUnavailable)
        {
            var expected = ControllerScale(matching);
            var max = Scaled(maxUnavailable, expected);
            return (expected, Math.Max(0, expected - max));
        }
        if (pdb.Spec?.MinAvailable is { } minAvailable)
        {
            if (int.TryParse(minAvailable.Value, out var n)) return (matching.Count, n);
            var expected = ControllerScale(matching);
            return (expected, Scaled(minAvailable, expected));
        }
        return (matching.Count, 0);   // neither set: upstream defaults minAvailable to 1 in validation; be permissive here
    }

    /// <summary>An int as is, a percentage of <paramref name="total"/> rounded up (GetScaledValueFromIntOrPercent).</summary>
    internal static int Scaled(IntOrString value, int total)
    {
        var s = value.Value ?? "0";
        if (int.TryParse(s, out var n)) return n;
        if (s.EndsWith('%') && int.TryParse(s[..^1], out var pct)) return (int)Math.Ceiling(pct * total / 100.0);
        throw new InvalidOperationException($"invalid int or percent \"{s}\"");
    }

    private int ControllerScale(List<V1Pod> matching)
    {
        var total = 0;
        var seen = new HashSet<string>();
        foreach (var pod in matching)
        {
            var owner = Objects.ControllerOf(pod.Metadata);
            if (owner is null)
            {
                total++;
                continue;
            }
            if (!seen.Add(owner.Uid)) continue;
            var ns = pod.Metadata.NamespaceProperty;
            int? replicas = owner.Kind switch
            {
                "ReplicaSet" => replicaSets.Get(ns, owner.Name) is { } rs ? rs.Spec?.Replicas ?? 1 : null,
                "ReplicationController" => replicationControllers.Get(ns, owner.Name) is { } rc ? rc.Spec?.Replicas ?? 1 : null,
                "StatefulSet" => statefulSets.Get(ns, owner.Name) is { } ss ? ss.Spec?.Replicas ?? 1 : null,
                _ => null,
            };
            total += replicas ?? 1;
        }
        return total;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "PodDisruptionBudget {Budget}: healthy {Healthy}, desired {Desired}, expected {Expected}, allowed {Allowed}")]
        public static partial void Status(ILogger logger, string budget, int healthy, int desired, int expected, int allowed);
    }
}
