using Bosun.Client;
using Bosun.Controllers.Common;
using Bosun.Controllers.Deployments;
using k8s.Models;

namespace Bosun.Controllers.DaemonSets;

/// <summary>
/// Runs one pod of each DaemonSet on every eligible node (pinned by required node affinity on <c>metadata.name</c>, as
/// upstream does), removes pods from nodes that are ineligible or gone, rolls out template changes node by node within
/// maxUnavailable/maxSurge (pods labelled with the template's <c>controller-revision-hash</c>, kept as
/// ControllerRevisions) and reports the scheduling counts in status.
/// </summary>
internal sealed class DaemonSetController : IController
{
    public const string ApiVersion = "apps/v1";
    public const string KindName = "DaemonSet";

    private readonly ControllerContext context;
    private readonly Informer<V1DaemonSet> sets;
    private readonly Informer<V1Pod> pods;
    private readonly Informer<V1Node> nodes;
    private readonly Informer<V1ControllerRevision> revisions;
    private readonly WorkQueue<ObjectKey> queue;

    public DaemonSetController(ControllerContext context)
    {
        this.context = context;
        sets = context.Informers.For<V1DaemonSet>();
        pods = context.Informers.For<V1Pod>();
        nodes = context.Informers.For<V1Node>();
        revisions = context.Informers.For<V1ControllerRevision>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        Expectations = new Expectations(context.Time);
    }

    public string Name => "daemonset";

    internal Expectations Expectations { get; }

    public void Register(ControllerHost host)
    {
        sets.On(added: d => queue.Add(ObjectKey.Of(d)), updated: (_, d) => queue.Add(ObjectKey.Of(d)),
            deleted: d => { Expectations.Forget(ObjectKey.Of(d)); queue.Add(ObjectKey.Of(d)); });
        Workloads.EnqueueOwnersOfPods(pods, Key, Expectations, queue);
        nodes.On(added: _ => EnqueueAll(), updated: (old, n) =>
        {
            if (!Objects.SemanticEquals(old.Metadata.Labels, n.Metadata.Labels) || !Objects.SemanticEquals(old.Spec?.Taints, n.Spec?.Taints)) EnqueueAll();
        }, deleted: _ => EnqueueAll());
        host.AddInformer(sets).AddInformer(pods).AddInformer(nodes).AddInformer(revisions).AddController(this, queue, workers: 2);
    }

    private void EnqueueAll()
    {
        foreach (var d in sets.List()) queue.Add(ObjectKey.Of(d));
    }

    private static ObjectKey? Key(V1Pod pod) => Workloads.OwnerKey(pod.Metadata, ApiVersion, KindName);

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        if (!sets.TryGet(key, out var ds))
        {
            Expectations.Forget(key);
            return ReconcileResult.Done;
        }
        if (ds.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var satisfied = Expectations.AreSatisfied(key);
        var (revision, allRevisions) = await Workloads.EnsureRevisionAsync(context, revisions, ds, ApiVersion, KindName,
            ds.Spec.Template, ds.Spec.Template?.Metadata?.Labels, ct);
        var hash = revision.Metadata.Labels[Workloads.RevisionHashLabel];
        var owned = Workloads.Owned(pods, ds);
        var minReady = ds.Spec.MinReadySeconds ?? 0;
        var now = context.Time.GetUtcNow();
        var allNodes = nodes.List().ToDictionary(n => n.Metadata.Name);
        var eligible = allNodes.Values.Where(n => ds.Spec.Template?.Spec is { } s && NodeEligibility.ShouldRun(s, n))
            .Select(n => n.Metadata.Name).ToHashSet();
        var live = owned.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        var byNode = live.GroupBy(p => NodeEligibility.NodeOf(p) ?? "").ToDictionary(g => g.Key, g => g.ToList());

        var create = new List<string>();
        var delete = new List<V1Pod>();
        foreach (var (node, onNode) in byNode)
        {
            if (!eligible.Contains(node)) { delete.AddRange(onNode); continue; }   // ineligible, deleted, or unpinned
            var failed = onNode.Where(p => p.Status?.Phase == "Failed").ToList();
            delete.AddRange(failed);
            var running = onNode.Except(failed).ToList();
            if (running.Count == 0) create.Add(node);
            else if (running.Count > 1 && !IsSurging(ds, running, hash))
            {
                // Keep the oldest, preferring the current revision.
                var keep = running.OrderByDescending(p => Hash(p) == hash).ThenBy(p => p.Metadata.CreationTimestamp).First();
                delete.AddRange(running.Where(p => p != keep));
            }
        }
        create.AddRange(eligible.Where(n => !byNode.ContainsKey(n)));

        if (satisfied && create.Count == 0 && delete.Count == 0 && ds.Spec.UpdateStrategy?.Type != "OnDelete")
            RollingUpdate(ds, byNode, eligible, hash, minReady, now, create, delete);

        if (satisfied && (create.Count > 0 || delete.Count > 0))
        {
            Expectations.ExpectCreations(key, create.Count);
            foreach (var node in create.Order(StringComparer.Ordinal))
            {
                var pod = Workloads.PodFromTemplate(ds, ApiVersion, KindName, ds.Spec.Template,
                    extraLabels: new Dictionary<string, string> { [Workloads.RevisionHashLabel] = hash });
                NodeEligibility.PinToNode(pod.Spec, node);
                try
                {
                    var created = await context.Api.CreateAsync(ds.Metadata.NamespaceProperty, pod, ct);
                    context.Events.Record(ds, EventRecorder.Normal, "SuccessfulCreate", $"Created pod: {created.Metadata.Name}");
                }
                catch (ApiException)
                {
                    Expectations.LowerCreations(key, 1);
                    throw;
                }
            }
            foreach (var p in delete)
            {
                await context.Api.DeleteAsync<V1Pod>(p.Metadata.NamespaceProperty, p.Metadata.Name, ct);
                context.Events.Record(ds, EventRecorder.Normal, "SuccessfulDelete", $"Deleted pod: {p.Metadata.Name}");
            }
        }

        await Workloads.TrimRevisionsAsync(context, allRevisions, live.Select(p => Workloads.RevisionName(ds.Metadata.Name, Hash(p) ?? ""))
            .Append(revision.Metadata.Name), ds.Spec.RevisionHistoryLimit ?? 10, ct);

        // Status from what is on the nodes now (before this round's writes land; their events bring another pass).
        var status = new V1DaemonSetStatus
        {
            DesiredNumberScheduled = eligible.Count,
            CurrentNumberScheduled = eligible.Count(n => byNode.ContainsKey(n)),
            NumberMisscheduled = byNode.Keys.Count(n => !eligible.Contains(n)),
            NumberReady = eligible.Count(n => byNode.TryGetValue(n, out var ps) && ps.Any(Pods.IsReady)),
            UpdatedNumberScheduled = eligible.Count(n => byNode.TryGetValue(n, out var ps) && ps.Any(p => Hash(p) == hash)),
            NumberAvailable = eligible.Count(n => byNode.TryGetValue(n, out var ps) && ps.Any(p => Pods.IsAvailable(p, minReady, now))),
            ObservedGeneration = ds.Metadata.Generation,
            CollisionCount = ds.Status?.CollisionCount,
            Conditions = ds.Status?.Conditions,
        };
        status.NumberAvailable = status.NumberAvailable == 0 ? null : status.NumberAvailable;
        var unavailable = status.DesiredNumberScheduled - (status.NumberAvailable ?? 0);
        status.NumberUnavailable = unavailable == 0 ? null : unavailable;
        if (!Objects.SemanticEquals(status, ds.Status))
        {
            var copy = Objects.Clone(ds);
            copy.Status = status;
            await context.Api.UpdateStatusAsync(key.Namespace, key.Name, copy, ct);
        }
        var wait = live.Select(p => Pods.UntilAvailable(p, minReady, now)).Where(t => t is not null).Min();
        return wait is { } d ? ReconcileResult.After(d + TimeSpan.FromMilliseconds(1)) : ReconcileResult.Done;
    }

    private static string? Hash(V1Pod pod) => pod.Metadata.Labels?.TryGetValue(Workloads.RevisionHashLabel, out var h) == true ? h : null;

    private static int MaxSurge(V1DaemonSet ds, int desired) =>
        ds.Spec.UpdateStrategy?.RollingUpdate?.MaxSurge is { } s ? DeploymentRules.Scaled(s, desired, true) : 0;

    private static int MaxUnavailable(V1DaemonSet ds, int desired, int surge)
    {
        var u = ds.Spec.UpdateStrategy?.RollingUpdate?.MaxUnavailable is { } v ? DeploymentRules.Scaled(v, desired, true) : 1;
        return u == 0 && surge == 0 ? 1 : u;
    }

    private static bool IsSurging(V1DaemonSet ds, List<V1Pod> running, string hash) =>
        MaxSurge(ds, 1) > 0 && running.Count == 2 && running.Count(p => Hash(p) == hash) == 1;

    /// <summary>Upstream's rollingUpdate: replaces old pods node by node within the unavailability (or surge) budget.</summary>
    private static void RollingUpdate(V1DaemonSet ds, Dictionary<string, List<V1Pod>> byNode, HashSet<string> eligible, string hash,
        int minReady, DateTimeOffset now, List<string> create, List<V1Pod> delete)
    {
        var desired = eligible.Count;
        var surge = MaxSurge(ds, desired);
        var maxUnavailable = MaxUnavailable(ds, desired, surge);
        var nodesWithOld = eligible.Where(n => byNode.TryGetValue(n, out var ps) && ps.Any(p => Hash(p) != hash)).Order(StringComparer.Ordinal).ToList();
        if (surge == 0)
        {
            var unavailable = eligible.Count(n => !byNode.TryGetValue(n, out var ps) || !ps.Any(p => Pods.IsAvailable(p, minReady, now)));
            var budget = maxUnavailable - unavailable;
            foreach (var node in nodesWithOld)
            {
                var old = byNode[node].Where(p => Hash(p) != hash).ToList();
                if (!old.Any(p => Pods.IsAvailable(p, minReady, now))) delete.AddRange(old);   // already down: replacing costs nothing
                else if (budget > 0)
                {
                    delete.AddRange(old);
                    budget--;
                }
            }
            return;
        }
        var surging = nodesWithOld.Count(n => byNode[n].Any(p => Hash(p) == hash));
        var surgeBudget = surge - surging;
        foreach (var node in nodesWithOld)
        {
            var onNode = byNode[node];
            var old = onNode.Where(p => Hash(p) != hash).ToList();
            var updated = onNode.FirstOrDefault(p => Hash(p) == hash);
            if (updated is not null)
            {
                if (Pods.IsAvailable(updated, minReady, now)) delete.AddRange(old);
            }
            else if (!old.Any(p => Pods.IsAvailable(p, minReady, now))) delete.AddRange(old);
            else if (surgeBudget > 0)
            {
                create.Add(node);
                surgeBudget--;
            }
        }
    }
}
