using k8s.Models;

namespace Bosun.Api;

/// <summary>
/// Which PersistentVolume a claim may bind to (upstream findMatchingVolume), as pure functions: same class and volume
/// mode, every requested access mode offered, enough capacity, the claim's selector matching the volume's labels, and
/// either free or pre-bound to this claim. Of several, a volume pre-bound to the claim wins, then the smallest.
/// Shared by the PV controller and the scheduler's VolumeBinding plugin, so both pick the same volume.
/// </summary>
public static class VolumeMatching
{
    public static string ClassOf(V1PersistentVolumeClaim claim) => claim.Spec.StorageClassName ?? "";

    public static string ClassOf(V1PersistentVolume pv) => pv.Spec.StorageClassName ?? "";

    public static decimal Requested(V1PersistentVolumeClaim claim) =>
        claim.Spec.Resources?.Requests?.TryGetValue("storage", out var q) == true ? q.ToDecimal() : 0m;

    public static decimal Capacity(V1PersistentVolume pv) =>
        pv.Spec.Capacity?.TryGetValue("storage", out var q) == true ? q.ToDecimal() : 0m;

    /// <summary>The volume's claimRef names this claim (by uid when the ref has one, else by namespace and name).</summary>
    public static bool IsPreboundTo(V1PersistentVolume pv, V1PersistentVolumeClaim claim) =>
        pv.Spec.ClaimRef is { } r && r.Name == claim.Metadata.Name && r.NamespaceProperty == claim.Metadata.NamespaceProperty
        && (string.IsNullOrEmpty(r.Uid) || r.Uid == claim.Metadata.Uid);

    public static bool Matches(V1PersistentVolumeClaim claim, V1PersistentVolume pv)
    {
        if (pv.Metadata.DeletionTimestamp is not null) return false;
        if (pv.Spec.ClaimRef is not null && !IsPreboundTo(pv, claim)) return false;
        if (ClassOf(pv) != ClassOf(claim)) return false;
        if ((pv.Spec.VolumeMode ?? "Filesystem") != (claim.Spec.VolumeMode ?? "Filesystem")) return false;
        var offered = pv.Spec.AccessModes ?? [];
        if ((claim.Spec.AccessModes ?? []).Any(m => !offered.Contains(m))) return false;
        if (Capacity(pv) < Requested(claim)) return false;
        if (claim.Spec.Selector is { } selector && !LabelSelectorMatches(selector, pv.Metadata.Labels)) return false;
        // A volume already Released or Failed is not offered again (upstream checks the phase too).
        if (pv.Status?.Phase is "Released" or "Failed" && !IsPreboundTo(pv, claim)) return false;
        return true;
    }

    /// <summary>The volume to bind, or null. <paramref name="nodeFits"/> filters by node affinity for delayed binding.</summary>
    public static V1PersistentVolume? FindBest(V1PersistentVolumeClaim claim, IEnumerable<V1PersistentVolume> volumes,
        Func<V1PersistentVolume, bool>? nodeFits = null) =>
        volumes.Where(pv => Matches(claim, pv) && (nodeFits is null || nodeFits(pv)))
            .OrderByDescending(pv => IsPreboundTo(pv, claim))
            .ThenBy(Capacity)
            .ThenBy(pv => pv.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();

    public static bool LabelSelectorMatches(V1LabelSelector selector, IDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        foreach (var (k, v) in selector.MatchLabels ?? new Dictionary<string, string>())
            if (!labels.TryGetValue(k, out var have) || have != v) return false;
        foreach (var e in selector.MatchExpressions ?? [])
        {
            var has = labels.TryGetValue(e.Key, out var value);
            var ok = e.OperatorProperty switch
            {
                "In" => has && (e.Values ?? []).Contains(value!),
                "NotIn" => !has || !(e.Values ?? []).Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    public static string? Annotation(V1ObjectMeta meta, string key) =>
        meta.Annotations is { } a && a.TryGetValue(key, out var v) ? v : null;

    public static bool IsBindCompleted(V1PersistentVolumeClaim claim) =>
        claim.Metadata.Annotations?.ContainsKey(StorageAnnotations.BindCompleted) == true;
}
