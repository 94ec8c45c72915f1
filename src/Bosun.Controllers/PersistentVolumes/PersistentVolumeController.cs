using Bosun.Api;
using Bosun.Client;
using k8s.Models;

namespace Bosun.Controllers.PersistentVolumes;

/// <summary>
/// The PersistentVolume binder (upstream pkg/controller/volume/persistentvolume): binds claims to matching volumes,
/// keeps both sides' phases (Pending/Bound/Lost for claims; Available/Bound/Released for volumes), hands claims of a
/// class with a provisioner to it (Immediate, or WaitForFirstConsumer once the scheduler picked a node), and applies
/// the reclaim policy when a bound claim goes: Retain leaves the volume Released, Delete deletes it (its provisioner's
/// finalizer keeps it until the storage is gone). Keys of claims are <c>ns/name</c>; keys of volumes have no namespace.
/// </summary>
internal sealed class PersistentVolumeController : IController
{
    public const string WaitForFirstConsumerMessage = "waiting for first consumer to be created before binding";
    public const string NoVolumeMessage = "no persistent volumes available for this claim and no storage class is set";

    private readonly ControllerContext context;
    private readonly Informer<V1PersistentVolumeClaim> claims;
    private readonly Informer<V1PersistentVolume> volumes;
    private readonly Informer<V1StorageClass> classes;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly VolumeWrites writes;

    public PersistentVolumeController(ControllerContext context)
    {
        this.context = context;
        claims = context.Informers.For<V1PersistentVolumeClaim>();
        volumes = context.Informers.For<V1PersistentVolume>();
        classes = context.Informers.For<V1StorageClass>();
        queue = new WorkQueue<ObjectKey>(context.Time);
        writes = new VolumeWrites(context.Api);
    }

    public string Name => "persistentvolume-binder";

    public void Register(ControllerHost host)
    {
        claims.On(added: ClaimChanged, updated: (_, c) => ClaimChanged(c), deleted: ClaimChanged);
        volumes.On(added: VolumeChanged, updated: (_, v) => VolumeChanged(v), deleted: VolumeChanged);
        classes.On(added: _ => EnqueuePendingClaims(), updated: (_, _) => EnqueuePendingClaims());
        host.AddInformer(claims).AddInformer(volumes).AddInformer(classes).AddController(this, queue, workers: 2);
    }

    private void ClaimChanged(V1PersistentVolumeClaim claim)
    {
        queue.Add(ObjectKey.Of(claim));
        // A deleted claim releases its volume; any change may complete a volume's side.
        foreach (var pv in volumes.List().Where(v => v.Spec.ClaimRef is { } r && r.Name == claim.Metadata.Name && r.NamespaceProperty == claim.Metadata.NamespaceProperty))
            queue.Add(ObjectKey.Of(pv));
    }

    private void VolumeChanged(V1PersistentVolume pv)
    {
        queue.Add(ObjectKey.Of(pv));
        if (pv.Spec.ClaimRef is { } r) queue.Add(new ObjectKey(r.NamespaceProperty ?? "", r.Name));
        else EnqueuePendingClaims();   // a new free volume may satisfy a waiting claim
    }

    private void EnqueuePendingClaims()
    {
        foreach (var c in claims.List().Where(c => !VolumeMatching.IsBindCompleted(c))) queue.Add(ObjectKey.Of(c));
    }

    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct) =>
        key.Namespace.Length == 0 ? SyncVolumeAsync(key, ct) : SyncClaimAsync(key, ct);

    private async Task<ReconcileResult> SyncClaimAsync(ObjectKey key, CancellationToken ct)
    {
        if (!claims.TryGet(key, out var claim)) return ReconcileResult.Done;
        if (VolumeMatching.IsBindCompleted(claim)) await SyncBoundClaimAsync(claim, ct);
        else if (string.IsNullOrEmpty(claim.Spec.VolumeName)) await SyncUnboundClaimAsync(claim, ct);
        else await SyncPreboundClaimAsync(claim, ct);
        return ReconcileResult.Done;
    }

    /// <summary>A claim with no volume yet: bind to the best match, or provision, or wait.</summary>
    private async Task SyncUnboundClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        var sc = classes.Get(null, VolumeMatching.ClassOf(claim));
        var delayed = sc?.VolumeBindingMode == StorageAnnotations.WaitForFirstConsumer;
        var selectedNode = VolumeMatching.Annotation(claim.Metadata, StorageAnnotations.SelectedNode);
        // Delayed binding matches only volumes pre-bound to the claim (the scheduler's choice); others wait for a pod.
        var candidates = volumes.List().Where(pv => !delayed || VolumeMatching.IsPreboundTo(pv, claim));
        if (VolumeMatching.FindBest(claim, candidates) is { } pv)
        {
            await BindAsync(pv, claim, ct);
            return;
        }
        await writes.SetClaimPhaseAsync(claim, "Pending", ct);
        if (delayed && selectedNode is null)
        {
            context.Events.Record(claim, EventRecorder.Normal, "WaitForFirstConsumer", WaitForFirstConsumerMessage);
        }
        else if (sc?.Provisioner is { Length: > 0 } provisioner && provisioner != "kubernetes.io/no-provisioner")
        {
            await writes.RequestProvisioningAsync(claim, provisioner, ct);
            context.Events.Record(claim, EventRecorder.Normal, "ExternalProvisioning",
                $"Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.");
        }
        else
        {
            context.Events.Record(claim, EventRecorder.Normal, "FailedBinding", NoVolumeMessage);
        }
    }

    /// <summary>The user named a volume in <c>spec.volumeName</c>: bind to it when it is free or pre-bound to this claim.</summary>
    private async Task SyncPreboundClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        var pv = volumes.Get(null, claim.Spec.VolumeName);
        if (pv is null)
        {
            await writes.SetClaimPhaseAsync(claim, "Pending", ct);
            return;
        }
        if (pv.Spec.ClaimRef is not null && !VolumeMatching.IsPreboundTo(pv, claim))
        {
            await writes.SetClaimPhaseAsync(claim, "Pending", ct);
            context.Events.Record(claim, EventRecorder.Warning, "FailedBinding", "volume \"" + pv.Metadata.Name + "\" already bound to a different claim.");
            return;
        }
        await BindAsync(pv, claim, ct);
    }

    private async Task SyncBoundClaimAsync(V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(claim.Spec.VolumeName))
        {
            await LoseAsync(claim, "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!", ct);
            return;
        }
        var pv = volumes.Get(null, claim.Spec.VolumeName);
        if (pv is null)
        {
            await LoseAsync(claim, "Bound claim has lost its PersistentVolume. Data on the volume is lost!", ct);
            return;
        }
        if (pv.Spec.ClaimRef is null || pv.Spec.ClaimRef.Uid == claim.Metadata.Uid || VolumeMatching.IsPreboundTo(pv, claim))
        {
            await BindAsync(pv, claim, ct);
            return;
        }
        if (claim.Status?.Phase != "Lost")
        {
            await writes.SetClaimPhaseAsync(claim, "Lost", ct);
            context.Events.Record(claim, EventRecorder.Warning, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
        }
    }

    private async Task LoseAsync(V1PersistentVolumeClaim claim, string message, CancellationToken ct)
    {
        if (claim.Status?.Phase == "Lost") return;
        await writes.SetClaimPhaseAsync(claim, "Lost", ct);
        context.Events.Record(claim, EventRecorder.Warning, "ClaimLost", message);
    }

    /// <summary>Volume side first, then the claim, as upstream: a crash in between leaves a state the next sync completes.</summary>
    private async Task BindAsync(V1PersistentVolume pv, V1PersistentVolumeClaim claim, CancellationToken ct)
    {
        pv = await writes.BindVolumeAsync(pv, claim, ct);
        await writes.BindClaimAsync(claim, pv, ct);
    }

    private async Task<ReconcileResult> SyncVolumeAsync(ObjectKey key, CancellationToken ct)
    {
        if (!volumes.TryGet(key, out var pv) || pv.Metadata.DeletionTimestamp is not null) return ReconcileResult.Done;
        var reference = pv.Spec.ClaimRef;
        if (reference is null)
        {
            await writes.SetVolumePhaseAsync(pv, "Available", null, ct);
            return ReconcileResult.Done;
        }
        var claim = claims.Get(reference.NamespaceProperty, reference.Name);
        if (string.IsNullOrEmpty(reference.Uid))
        {
            // Pre-bound by name only: free until the claim's sync binds it.
            await writes.SetVolumePhaseAsync(pv, "Available", null, ct);
            return ReconcileResult.Done;
        }
        if (claim is null || claim.Metadata.Uid != reference.Uid)
        {
            await ReclaimAsync(pv, ct);
            return ReconcileResult.Done;
        }
        if (string.IsNullOrEmpty(claim.Spec.VolumeName))
        {
            queue.Add(ObjectKey.Of(claim));   // the claim's sync finishes the bind
        }
        else if (claim.Spec.VolumeName == pv.Metadata.Name)
        {
            await writes.SetVolumePhaseAsync(pv, "Bound", null, ct);
        }
        else if (pv.Metadata.Annotations?.ContainsKey(StorageAnnotations.BoundByController) == true)
        {
            await writes.UnbindVolumeAsync(pv, ct);   // we tried this volume, but the claim went elsewhere
        }
        else
        {
            await writes.SetVolumePhaseAsync(pv, "Available", null, ct);
        }
        return ReconcileResult.Done;
    }

    /// <summary>The bound claim is gone: Released, then the reclaim policy (Retain keeps it; Delete deletes it).</summary>
    private async Task ReclaimAsync(V1PersistentVolume pv, CancellationToken ct)
    {
        pv = await writes.SetVolumePhaseAsync(pv, "Released", null, ct);
        switch (pv.Spec.PersistentVolumeReclaimPolicy ?? "Retain")
        {
            case "Delete":
                await context.Api.DeleteAsync<V1PersistentVolume>(null, pv.Metadata.Name, ct,
                    new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pv.Metadata.Uid } });
                break;
            case "Recycle":
                await writes.SetVolumePhaseAsync(pv, "Failed", "Recycle is not supported; use Delete or Retain", ct);
                context.Events.Record(pv, EventRecorder.Warning, "VolumeFailedRecycle", "Recycle is not supported; use Delete or Retain");
                break;
        }
    }
}
