using Bosun.Client;
using Bosun.Controllers.Common;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Controllers.GarbageCollector;

/// <summary>
/// Deletes objects whose owners are gone, and carries out the two deletion modes owners ask for with finalizers:
/// <c>foregroundDeletion</c> (delete dependents first, then let the owner go) and <c>orphan</c> (strip the
/// ownerReferences from dependents, then let the owner go). Background deletion needs no finalizer: the owner is
/// removed at once and its dependents are collected here when they find their owner missing.
/// </summary>
/// <remarks>
/// Instead of upstream's dependency graph it scans the informer caches of the registered kinds, which is cheap at
/// our scale. Keys are <c>ns/Kind.group/name</c> in one queue. A cache miss for an owner is confirmed with a live read
/// before anything is deleted, since a dependent can be seen before its freshly created owner.
/// </remarks>
internal sealed partial class GarbageCollector : IController
{
    public const string OrphanFinalizer = "orphan";
    public const string ForegroundFinalizer = "foregroundDeletion";

    private readonly ControllerContext context;
    private readonly List<IGcKind> kinds;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly ILogger logger;

    public GarbageCollector(ControllerContext context, IEnumerable<IGcKind> kinds)
    {
        this.context = context;
        this.kinds = kinds.ToList();
        queue = new WorkQueue<ObjectKey>(context.Time);
        logger = context.Loggers.CreateLogger<GarbageCollector>();
    }

    /// <summary>The kinds that own things today; StatefulSets, DaemonSets, Jobs and CronJobs join here as their controllers land.</summary>
    public static IEnumerable<IGcKind> DefaultKinds(ControllerContext c) =>
    [
        new GcKind<V1Deployment>(c),
        new GcKind<V1ReplicaSet>(c),
        new GcKind<V1ReplicationController>(c),
        new GcKind<V1Pod>(c),
        new GcKind<V1Service>(c),
        new GcKind<V1EndpointSlice>(c),
        new GcKind<V1Job>(c),
        new GcKind<V1CronJob>(c),
        new GcKind<V1DaemonSet>(c),
        new GcKind<V1StatefulSet>(c),
        new GcKind<V1ControllerRevision>(c),
    ];

    public string Name => "garbagecollector";

    public void Register(ControllerHost host)
    {
        foreach (var kind in kinds)
        {
            kind.OnChange(
                changed: (old, obj) =>
                {
                    if (obj.Metadata.DeletionTimestamp is not null || obj.Metadata.OwnerReferences is { Count: > 0 }) queue.Add(KeyOf(kind, obj));
                },
                deleted: obj =>
                {
                    // Its dependents may now be dangling; an owner waiting in foreground may now be free to go.
                    foreach (var (k, d) in Dependents(obj)) queue.Add(KeyOf(k, d));
                    foreach (var r in obj.Metadata.OwnerReferences ?? [])
                        if (Find(r) is { } ok && ok.Get(obj.Metadata.NamespaceProperty ?? "", r.Name) is { } owner) queue.Add(KeyOf(ok, owner));
                });
            host.AddInformer(kind.Informer);
        }
        host.AddController(this, queue, workers: 2);
    }

    /// <summary>The queue key of an object of a registered kind (tests use it to reconcile by hand).</summary>
    public static ObjectKey KeyOf(IGcKind kind, IKubernetesObject<V1ObjectMeta> obj) =>
        new(obj.Metadata.NamespaceProperty ?? "", $"{kind.Id}/{obj.Metadata.Name}");

    public ObjectKey KeyOf<T>(T obj) where T : IKubernetesObject<V1ObjectMeta> =>
        KeyOf(kinds.Single(k => k.Id == Id(ResourceType.Of<T>())), obj);

    private static string Id(ResourceType t) => t.Group.Length == 0 ? t.Kind : $"{t.Kind}.{t.Group}";

    private IGcKind? Find(V1OwnerReference r) => kinds.FirstOrDefault(k => k.ApiVersion == r.ApiVersion && k.Kind == r.Kind);

    /// <summary>Every cached object, of any registered kind, that names <paramref name="owner"/> (by uid) as an owner.</summary>
    private List<(IGcKind Kind, IKubernetesObject<V1ObjectMeta> Obj)> Dependents(IKubernetesObject<V1ObjectMeta> owner)
    {
        var ns = string.IsNullOrEmpty(owner.Metadata.NamespaceProperty) ? null : owner.Metadata.NamespaceProperty;
        return kinds.SelectMany(k => k.List(ns).Where(o => o.Metadata.OwnerReferences?.Any(r => r.Uid == owner.Metadata.Uid) == true).Select(o => (k, o))).ToList();
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct)
    {
        var slash = key.Name.IndexOf('/', StringComparison.Ordinal);
        var kind = kinds.FirstOrDefault(k => k.Id == key.Name[..Math.Max(0, slash)]);
        if (kind?.Get(key.Namespace, key.Name[(slash + 1)..]) is not { } obj) return ReconcileResult.Done;

        var finalizers = obj.Metadata.Finalizers ?? [];
        if (obj.Metadata.DeletionTimestamp is not null && finalizers.Contains(OrphanFinalizer))
        {
            await OrphanDependentsAsync(kind, obj, ct);
            return ReconcileResult.Done;
        }
        if (obj.Metadata.DeletionTimestamp is not null && finalizers.Contains(ForegroundFinalizer))
        {
            await DeleteDependentsAsync(kind, obj, ct);
            return ReconcileResult.Done;
        }
        await CollectIfOwnersGoneAsync(kind, obj, ct);
        return ReconcileResult.Done;
    }

    /// <summary>Orphan: remove the owner from each dependent's ownerReferences, then drop the finalizer.</summary>
    private async Task OrphanDependentsAsync(IGcKind kind, IKubernetesObject<V1ObjectMeta> owner, CancellationToken ct)
    {
        foreach (var (k, dependent) in Dependents(owner))
        {
            var copy = Objects.Clone(dependent);
            copy.Metadata.OwnerReferences = copy.Metadata.OwnerReferences.Where(r => r.Uid != owner.Metadata.Uid).ToList();
            await UpdateIgnoringMissingAsync(k, copy, ct);
        }
        await RemoveFinalizerAsync(kind, owner, OrphanFinalizer, ct);
        Log.Orphaned(logger, KeyOf(kind, owner).ToString());
    }

    /// <summary>
    /// Foreground: delete every dependent (those that block their owner in foreground too, so the chain unwinds from
    /// the leaves); once no blocking dependent is left, drop the finalizer and the owner goes.
    /// </summary>
    private async Task DeleteDependentsAsync(IGcKind kind, IKubernetesObject<V1ObjectMeta> owner, CancellationToken ct)
    {
        var dependents = Dependents(owner);
        foreach (var (k, dependent) in dependents.Where(d => d.Obj.Metadata.DeletionTimestamp is null))
        {
            var blocks = dependent.Metadata.OwnerReferences.Any(r => r.Uid == owner.Metadata.Uid && r.BlockOwnerDeletion == true);
            await k.DeleteAsync(dependent, blocks ? "Foreground" : "Background", ct);
        }
        var blocking = dependents.Count(d => d.Obj.Metadata.OwnerReferences.Any(r => r.Uid == owner.Metadata.Uid && r.BlockOwnerDeletion == true));
        if (blocking == 0) await RemoveFinalizerAsync(kind, owner, ForegroundFinalizer, ct);
    }

    /// <summary>
    /// As a dependent: delete the object when none of its owners exists any more; with some owners alive, only drop
    /// the references to the missing ones. An owner being deleted in foreground takes its dependents with it.
    /// </summary>
    private async Task CollectIfOwnersGoneAsync(IGcKind kind, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        var refs = obj.Metadata.OwnerReferences ?? [];
        if (refs.Count == 0 || obj.Metadata.DeletionTimestamp is not null) return;
        var dangling = new List<V1OwnerReference>();
        var waiting = new List<V1OwnerReference>();
        var solid = 0;
        foreach (var r in refs)
        {
            if (Find(r) is not { } ownerKind)
            {
                solid++;   // a kind we do not watch: we cannot prove it gone, so it stays
                continue;
            }
            var ns = obj.Metadata.NamespaceProperty ?? "";
            var owner = ownerKind.Get(ns, r.Name);
            if (owner?.Metadata.Uid != r.Uid) owner = await ownerKind.GetLiveAsync(ns, r.Name, ct);
            if (owner is null || owner.Metadata.Uid != r.Uid) dangling.Add(r);
            else if (owner.Metadata.DeletionTimestamp is not null && owner.Metadata.Finalizers?.Contains(ForegroundFinalizer) == true) waiting.Add(r);
            else solid++;
        }
        if (dangling.Count == 0 && waiting.Count == 0) return;
        if (solid > 0)
        {
            var gone = dangling.Concat(waiting).Select(r => r.Uid).ToHashSet();
            var copy = Objects.Clone(obj);
            copy.Metadata.OwnerReferences = copy.Metadata.OwnerReferences.Where(r => !gone.Contains(r.Uid)).ToList();
            await UpdateIgnoringMissingAsync(kind, copy, ct);
            return;
        }
        var policy = waiting.Count > 0 ? "Foreground" : "Background";
        Log.Collecting(logger, KeyOf(kind, obj).ToString(), policy);
        await kind.DeleteAsync(obj, policy, ct);
    }

    private static async Task RemoveFinalizerAsync(IGcKind kind, IKubernetesObject<V1ObjectMeta> obj, string finalizer, CancellationToken ct)
    {
        var copy = Objects.Clone(obj);
        copy.Metadata.Finalizers = copy.Metadata.Finalizers.Where(f => f != finalizer).ToList();
        await UpdateIgnoringMissingAsync(kind, copy, ct);
    }

    private static async Task UpdateIgnoringMissingAsync(IGcKind kind, IKubernetesObject<V1ObjectMeta> obj, CancellationToken ct)
    {
        try { await kind.UpdateAsync(obj, ct); }
        catch (ApiException e) when (e.IsNotFound) { }
    }

    /// <summary>This controller's log messages.</summary>
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Deleting {Object}: its owners are gone ({Policy})")]
        public static partial void Collecting(ILogger logger, string @object, string policy);

        [LoggerMessage(Level = LogLevel.Information, Message = "Orphaned the dependents of {Object}")]
        public static partial void Orphaned(ILogger logger, string @object);
    }
}
