using Bosun.Api;
using Bosun.Client;
using k8s;
using k8s.Models;

namespace Bosun.Scheduler.Plugins.VolumeBinding;

/// <summary>
/// The VolumeBinding plugin's bind step, run before the pod's Binding: pre-binds each chosen static volume to its
/// claim (<c>claimRef</c>, as the PV controller would) and marks claims to provision with
/// <c>volume.kubernetes.io/selected-node</c>, which the PV controller and the node's provisioner act on.
/// Unlike upstream, the pod is bound without waiting for the claims to become Bound: the node agent waits for them.
/// </summary>
public sealed class VolumeBinder(ApiClient api)
{
    /// <summary>Writes what <see cref="VolumeBindingPlugin.Decide"/> chose for the node, in the scheduling cycle.</summary>
    public async Task ApplyAsync(VolumeBindingPlugin.Decision decision, string node, CancellationToken ct)
    {
        foreach (var (claim, pv) in decision.StaticBindings) await PrebindAsync(claim, pv, ct);
        foreach (var claim in decision.Provision) await SelectNodeAsync(claim, node, ct);
    }

    private async Task PrebindAsync(V1PersistentVolumeClaim claim, V1PersistentVolume pv, CancellationToken ct)
    {
        if (pv.Spec.ClaimRef?.Uid == claim.Metadata.Uid) return;
        var patch = ModelJson.Serialize(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Annotations = new Dictionary<string, string> { [StorageAnnotations.BoundByController] = "yes" }, ResourceVersion = pv.Metadata.ResourceVersion },
            Spec = new V1PersistentVolumeSpec
            {
                ClaimRef = new V1ObjectReference
                {
                    ApiVersion = "v1", Kind = "PersistentVolumeClaim", NamespaceProperty = claim.Metadata.NamespaceProperty,
                    Name = claim.Metadata.Name, Uid = claim.Metadata.Uid,
                },
            },
        });
        await api.PatchAsync<V1PersistentVolume>(null, pv.Metadata.Name, "application/merge-patch+json", patch, ct);
    }

    private async Task SelectNodeAsync(V1PersistentVolumeClaim claim, string node, CancellationToken ct)
    {
        if (VolumeMatching.Annotation(claim.Metadata, StorageAnnotations.SelectedNode) == node) return;
        var patch = ModelJson.Serialize(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Annotations = new Dictionary<string, string> { [StorageAnnotations.SelectedNode] = node } },
        });
        await api.PatchAsync<V1PersistentVolumeClaim>(claim.Metadata.NamespaceProperty, claim.Metadata.Name, "application/merge-patch+json", patch, ct);
    }
}
