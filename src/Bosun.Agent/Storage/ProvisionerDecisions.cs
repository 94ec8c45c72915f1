using Bosun.Api;
using k8s.Models;

namespace Bosun.Agent.Storage;

/// <summary>
/// What the node's local-path provisioner does, as pure functions: which claims it provisions (class provisioner
/// <c>bosun.dev/local-path</c>, selected node = this node, not bound yet), the PersistentVolume it creates for one,
/// and which volumes' directories it removes (its own, on this node, being deleted, reclaim policy Delete).
/// </summary>
internal static class ProvisionerDecisions
{
    public const string HostnameLabel = "kubernetes.io/hostname";

    public static string VolumeName(V1PersistentVolumeClaim claim) => "pvc-" + claim.Metadata.Uid;

    /// <summary><c>pvc-&lt;uid&gt;_&lt;ns&gt;_&lt;name&gt;</c>, as rancher's local-path-provisioner names them.</summary>
    public static string DirectoryName(V1PersistentVolumeClaim claim) =>
        $"{VolumeName(claim)}_{claim.Metadata.NamespaceProperty}_{claim.Metadata.Name}";

    public static bool ShouldProvision(V1PersistentVolumeClaim claim, V1StorageClass? sc, string nodeName)
    {
        if (sc?.Provisioner != StorageAnnotations.LocalPathProvisioner) return false;
        if (claim.Metadata.DeletionTimestamp is not null || !string.IsNullOrEmpty(claim.Spec.VolumeName)) return false;
        if (VolumeMatching.IsBindCompleted(claim)) return false;
        return VolumeMatching.Annotation(claim.Metadata, StorageAnnotations.SelectedNode) == nodeName;
    }

    /// <summary>A hostPath volume pre-bound to the claim, pinned to the node, holding the provisioner's finalizer.</summary>
    public static V1PersistentVolume VolumeFor(V1PersistentVolumeClaim claim, V1StorageClass sc, string nodeName, string path) => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolume",
        Metadata = new V1ObjectMeta
        {
            Name = VolumeName(claim),
            Annotations = new Dictionary<string, string> { [StorageAnnotations.ProvisionedBy] = StorageAnnotations.LocalPathProvisioner },
            Finalizers = [StorageAnnotations.ProvisionerFinalizer],
        },
        Spec = new V1PersistentVolumeSpec
        {
            Capacity = new Dictionary<string, ResourceQuantity>
            {
                ["storage"] = claim.Spec.Resources?.Requests?.TryGetValue("storage", out var size) == true ? size : new ResourceQuantity("0"),
            },
            AccessModes = claim.Spec.AccessModes?.ToList() ?? ["ReadWriteOnce"],
            StorageClassName = sc.Metadata.Name,
            PersistentVolumeReclaimPolicy = sc.ReclaimPolicy ?? "Delete",
            VolumeMode = claim.Spec.VolumeMode ?? "Filesystem",
            HostPath = new V1HostPathVolumeSource { Path = path, Type = "DirectoryOrCreate" },
            ClaimRef = new V1ObjectReference
            {
                ApiVersion = "v1", Kind = "PersistentVolumeClaim", NamespaceProperty = claim.Metadata.NamespaceProperty,
                Name = claim.Metadata.Name, Uid = claim.Metadata.Uid,
            },
            NodeAffinity = new V1VolumeNodeAffinity
            {
                Required = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = HostnameLabel, OperatorProperty = "In", Values = [nodeName] }] },
                    ],
                },
            },
        },
    };

    /// <summary>Whether the volume is this node's local-path volume.</summary>
    public static bool IsOurs(V1PersistentVolume pv, string nodeName, string storageDir) =>
        VolumeMatching.Annotation(pv.Metadata, StorageAnnotations.ProvisionedBy) == StorageAnnotations.LocalPathProvisioner
        && pv.Spec.HostPath?.Path is { } path && IsUnder(path, storageDir)
        && pv.Spec.NodeAffinity?.Required?.NodeSelectorTerms?.Any(t => t.MatchExpressions?.Any(e =>
            e.Key == HostnameLabel && e.Values?.Contains(nodeName) == true) == true) == true;

    /// <summary>What to do for a volume of ours being deleted: remove its directory (Delete) or only let it go (Retain).</summary>
    public static (bool Finalize, bool RemoveDirectory) OnVolume(V1PersistentVolume pv, string nodeName, string storageDir)
    {
        if (pv.Metadata.DeletionTimestamp is null || pv.Metadata.Finalizers?.Contains(StorageAnnotations.ProvisionerFinalizer) != true) return (false, false);
        if (!IsOurs(pv, nodeName, storageDir)) return (false, false);
        return (true, (pv.Spec.PersistentVolumeReclaimPolicy ?? "Delete") == "Delete");
    }

    /// <summary>Only directories directly under the storage directory are ever removed.</summary>
    public static bool IsUnder(string path, string storageDir)
    {
        var full = Path.GetFullPath(path);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(storageDir));
        return Path.GetDirectoryName(full) == root && Path.GetFileName(full).StartsWith("pvc-", StringComparison.Ordinal);
    }
}
