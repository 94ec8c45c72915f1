using Bosun.Api;
using Bosun.Scheduler.Framework;
using k8s.Models;

namespace Bosun.Scheduler.Plugins.VolumeBinding;

/// <summary>
/// Pods with persistentVolumeClaim volumes (upstream VolumeBinding): every claim must exist; a bound claim's volume
/// must allow the node (its required nodeAffinity); an unbound claim of a WaitForFirstConsumer class needs, on the
/// node, a free matching volume whose nodeAffinity allows it or a class that provisions. Unbound claims of Immediate
/// classes make the pod wait for the PV controller. <see cref="Decide"/> is also what the bind step acts on.
/// </summary>
public sealed class VolumeBindingPlugin(IVolumeLister lister) : IPreFilterPlugin, IFilterPlugin
{
    public const string PluginName = "VolumeBinding";
    public const string UnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
    public const string NodeConflict = "node(s) had volume node affinity conflict";
    public const string NoMatch = "node(s) didn't find available persistent volumes to bind";
    private const string StateKey = PluginName;

    public string Name => PluginName;

    /// <summary>The pod's claims, sorted out once per cycle.</summary>
    public sealed record PodVolumes(IReadOnlyList<V1PersistentVolume> Bound, IReadOnlyList<(V1PersistentVolumeClaim Claim, V1StorageClass Class)> ToBind);

    /// <summary>What binding the pod to a node means for its unbound claims: volumes to pre-bind, claims to provision.</summary>
    public sealed record Decision(IReadOnlyList<(V1PersistentVolumeClaim Claim, V1PersistentVolume Volume)> StaticBindings,
        IReadOnlyList<V1PersistentVolumeClaim> Provision, string? Reason);

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot nodes)
    {
        var (volumes, failure) = Collect(pod.Pod);
        if (failure is { } f) return f;
        if (volumes is not null) state.Write(StateKey, volumes);
        return Status.Success;
    }

    /// <summary>The pod's claims split into bound volumes and claims to bind, or the reason the pod cannot be scheduled anywhere.</summary>
    public (PodVolumes? Volumes, Status? Failure) Collect(V1Pod pod)
    {
        var claimVolumes = (pod.Spec?.Volumes ?? []).Where(v => v.PersistentVolumeClaim is not null).ToList();
        if (claimVolumes.Count == 0) return (null, null);
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var bound = new List<V1PersistentVolume>();
        var toBind = new List<(V1PersistentVolumeClaim, V1StorageClass)>();
        foreach (var v in claimVolumes)
        {
            var name = v.PersistentVolumeClaim.ClaimName;
            var claim = lister.GetClaim(ns, name);
            if (claim is null) return (null, Status.UnschedulableAndUnresolvable($"persistentvolumeclaim \"{name}\" not found"));
            if (claim.Metadata.DeletionTimestamp is not null)
                return (null, Status.UnschedulableAndUnresolvable($"persistentvolumeclaim \"{name}\" is being deleted"));
            if (!string.IsNullOrEmpty(claim.Spec.VolumeName))
            {
                var pv = lister.GetVolume(claim.Spec.VolumeName);
                if (pv is null) return (null, Status.UnschedulableAndUnresolvable($"persistentvolume \"{claim.Spec.VolumeName}\" not found"));
                bound.Add(pv);
                continue;
            }
            var sc = lister.GetClass(VolumeMatching.ClassOf(claim));
            if (sc?.VolumeBindingMode != StorageAnnotations.WaitForFirstConsumer) return (null, Status.UnschedulableAndUnresolvable(UnboundImmediate));
            toBind.Add((claim, sc));
        }
        return (new PodVolumes(bound, toBind), null);
    }

    /// <summary>The decision for the chosen node (the cycle's Reserve step), or null when the pod has nothing to bind.</summary>
    public Decision? DecideFor(V1Pod pod, NodeInfo node)
    {
        var (volumes, failure) = Collect(pod);
        return failure is null && volumes is { ToBind.Count: > 0 } ? Decide(volumes, node) : null;
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        if (state.Read<PodVolumes>(StateKey) is not { } volumes) return Status.Success;
        var decision = Decide(volumes, node);
        return decision.Reason is { } reason ? Status.UnschedulableAndUnresolvable(reason) : Status.Success;
    }

    /// <summary>Pure: whether the node suits the pod's volumes, and which volumes or provisioning its claims would get there.</summary>
    public Decision Decide(PodVolumes volumes, NodeInfo node)
    {
        foreach (var pv in volumes.Bound)
            if (!AllowsNode(pv, node)) return new Decision([], [], NodeConflict);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var bindings = new List<(V1PersistentVolumeClaim, V1PersistentVolume)>();
        var provision = new List<V1PersistentVolumeClaim>();
        foreach (var (claim, sc) in volumes.ToBind)
        {
            var pv = VolumeMatching.FindBest(claim, lister.Volumes(), v => !taken.Contains(v.Metadata.Name) && AllowsNode(v, node));
            if (pv is not null)
            {
                taken.Add(pv.Metadata.Name);
                bindings.Add((claim, pv));
            }
            else if (sc.Provisioner is { Length: > 0 } p && p != "kubernetes.io/no-provisioner" && AllowsTopology(sc, node))
            {
                provision.Add(claim);
            }
            else
            {
                return new Decision([], [], NoMatch);
            }
        }
        return new Decision(bindings, provision, null);
    }

    public static bool AllowsNode(V1PersistentVolume pv, NodeInfo node) =>
        pv.Spec.NodeAffinity?.Required?.NodeSelectorTerms is not { Count: > 0 } terms || new NodeSelectorMatcher(terms).Matches(node);

    private static bool AllowsTopology(V1StorageClass sc, NodeInfo node)
    {
        if (sc.AllowedTopologies is not { Count: > 0 } topologies) return true;
        return topologies.Any(t => (t.MatchLabelExpressions ?? []).All(e =>
            node.Labels.TryGetValue(e.Key, out var v) && (e.Values ?? []).Contains(v)));
    }
}
