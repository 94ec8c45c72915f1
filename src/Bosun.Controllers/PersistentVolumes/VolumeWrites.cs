using Bosun.Api;
using Bosun.Client;
using Bosun.Controllers.Common;
using k8s.Models;

namespace Bosun.Controllers.PersistentVolumes;

/// <summary>
/// The writes of binding (upstream bindVolumeToClaim, bindClaimToVolume, updateVolumePhase, updateClaimStatus), each
/// skipped when the object already says it, so a repeated bind writes nothing. Objects come from caches: cloned first.
/// </summary>
internal sealed class VolumeWrites(ApiClient api)
{
    /// <summary>Volume: claimRef (with uid) and phase Bound. Returns the updated volume.</summary>
    public async Task<V1PersistentVolume> BindVolumeAsync(V1PersistentVolume pv, V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (pv.Spec.ClaimRef?.Uid != claim.Metadata.Uid)
        {
            var copy = Objects.Clone(pv);
            if (copy.Spec.ClaimRef is null)
            {
                copy.Metadata.Annotations ??= new Dictionary<string, string>();
                copy.Metadata.Annotations[StorageAnnotations.BoundByController] = "yes";
            }
            copy.Spec.ClaimRef = new V1ObjectReference
            {
                ApiVersion = "v1", Kind = "PersistentVolumeClaim", NamespaceProperty = claim.Metadata.NamespaceProperty,
                Name = claim.Metadata.Name, Uid = claim.Metadata.Uid, ResourceVersion = claim.Metadata.ResourceVersion,
            };
            pv = await api.UpdateAsync(null, pv.Metadata.Name, copy, ct);
        }
        return await SetVolumePhaseAsync(pv, "Bound", null, ct);
    }

    /// <summary>Claim: volumeName and bind-completed, then status Bound with the volume's capacity and access modes.</summary>
    public async Task BindClaimAsync(V1PersistentVolumeClaim claim, V1PersistentVolume pv, CancellationToken ct)
    {
        var annotations = claim.Metadata.Annotations;
        if (claim.Spec.VolumeName != pv.Metadata.Name || annotations?.ContainsKey(StorageAnnotations.BindCompleted) != true)
        {
            var copy = Objects.Clone(claim);
            copy.Metadata.Annotations ??= new Dictionary<string, string>();
            if (string.IsNullOrEmpty(copy.Spec.VolumeName))
            {
                copy.Spec.VolumeName = pv.Metadata.Name;
                copy.Metadata.Annotations[StorageAnnotations.BoundByController] = "yes";
            }
            copy.Metadata.Annotations[StorageAnnotations.BindCompleted] = "yes";
            claim = await api.UpdateAsync(claim.Metadata.NamespaceProperty, claim.Metadata.Name, copy, ct);
        }
        var status = claim.Status;
        if (status?.Phase == "Bound" && Same(status.Capacity, pv.Spec.Capacity) && SameModes(status.AccessModes, pv.Spec.AccessModes)) return;
        var updated = Objects.Clone(claim);
        updated.Status ??= new V1PersistentVolumeClaimStatus();
        updated.Status.Phase = "Bound";
        updated.Status.AccessModes = pv.Spec.AccessModes?.ToList();
        updated.Status.Capacity = pv.Spec.Capacity is null ? null : new Dictionary<string, ResourceQuantity>(pv.Spec.Capacity);
        await api.UpdateStatusAsync(claim.Metadata.NamespaceProperty, claim.Metadata.Name, updated, ct);
    }

    public async Task SetClaimPhaseAsync(V1PersistentVolumeClaim claim, string phase, CancellationToken ct)
    {
        if (claim.Status?.Phase == phase) return;
        var copy = Objects.Clone(claim);
        copy.Status ??= new V1PersistentVolumeClaimStatus();
        copy.Status.Phase = phase;
        await api.UpdateStatusAsync(claim.Metadata.NamespaceProperty, claim.Metadata.Name, copy, ct);
    }

    public async Task<V1PersistentVolume> SetVolumePhaseAsync(V1PersistentVolume pv, string phase, string? message, CancellationToken ct)
    {
        if (pv.Status?.Phase == phase && pv.Status?.Message == message) return pv;
        var copy = Objects.Clone(pv);
        copy.Status ??= new V1PersistentVolumeStatus();
        copy.Status.Phase = phase;
        copy.Status.Message = message;
        return await api.UpdateStatusAsync(null, pv.Metadata.Name, copy, ct);
    }

    /// <summary>Adds the annotations that hand a claim to its class's provisioner.</summary>
    public async Task RequestProvisioningAsync(V1PersistentVolumeClaim claim, string provisioner, CancellationToken ct)
    {
        if (VolumeMatching.Annotation(claim.Metadata, StorageAnnotations.StorageProvisioner) == provisioner
            && VolumeMatching.Annotation(claim.Metadata, StorageAnnotations.BetaStorageProvisioner) == provisioner) return;
        var copy = Objects.Clone(claim);
        copy.Metadata.Annotations ??= new Dictionary<string, string>();
        copy.Metadata.Annotations[StorageAnnotations.StorageProvisioner] = provisioner;
        copy.Metadata.Annotations[StorageAnnotations.BetaStorageProvisioner] = provisioner;
        await api.UpdateAsync(claim.Metadata.NamespaceProperty, claim.Metadata.Name, copy, ct);
    }

    /// <summary>Takes back a claimRef the controller set (the claim went to another volume): the volume is Available again.</summary>
    public async Task UnbindVolumeAsync(V1PersistentVolume pv, CancellationToken ct)
    {
        var copy = Objects.Clone(pv);
        copy.Spec.ClaimRef = null;
        copy.Metadata.Annotations?.Remove(StorageAnnotations.BoundByController);
        var updated = await api.UpdateAsync(null, pv.Metadata.Name, copy, ct);
        await SetVolumePhaseAsync(updated, "Available", null, ct);
    }

    private static bool Same(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(kv => b!.TryGetValue(kv.Key, out var v) && v.ToDecimal() == kv.Value.ToDecimal()));

    private static bool SameModes(IList<string>? a, IList<string>? b) => (a ?? []).SequenceEqual(b ?? []);
}
