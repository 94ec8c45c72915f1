namespace Bosun.Api;

/// <summary>
/// The annotations and names the PersistentVolume controller, the scheduler's VolumeBinding plugin, the
/// DefaultStorageClass admission and the node's local-path provisioner agree on (upstream's names, so kubectl and
/// tools read them as they would on any cluster).
/// </summary>
public static class StorageAnnotations
{
    /// <summary>On a claim: the controller finished binding it (<c>"yes"</c>).</summary>
    public const string BindCompleted = "pv.kubernetes.io/bind-completed";

    /// <summary>On a claim or volume: the controller (not the user) set <c>volumeName</c> / <c>claimRef</c>.</summary>
    public const string BoundByController = "pv.kubernetes.io/bound-by-controller";

    /// <summary>On a volume: the provisioner that made it.</summary>
    public const string ProvisionedBy = "pv.kubernetes.io/provisioned-by";

    /// <summary>On a claim: the provisioner asked to make its volume (and the deprecated beta name, still set upstream).</summary>
    public const string StorageProvisioner = "volume.kubernetes.io/storage-provisioner";

    public const string BetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";

    /// <summary>On a claim of a WaitForFirstConsumer class: the node the scheduler chose for its first pod.</summary>
    public const string SelectedNode = "volume.kubernetes.io/selected-node";

    /// <summary>On a StorageClass: <c>"true"</c> makes it the class of claims that name none.</summary>
    public const string IsDefaultClass = "storageclass.kubernetes.io/is-default-class";

    public const string BetaIsDefaultClass = "storageclass.beta.kubernetes.io/is-default-class";

    /// <summary>Bosun's built-in class and its provisioner (directories under <c>&lt;data-dir&gt;/storage</c> on the pod's node).</summary>
    public const string LocalPathClass = "local-path";

    public const string LocalPathProvisioner = "bosun.dev/local-path";

    /// <summary>Held by provisioned volumes until the provisioner has removed their storage (external-provisioner's name).</summary>
    public const string ProvisionerFinalizer = "external-provisioner.volume.kubernetes.io/finalizer";

    public const string WaitForFirstConsumer = "WaitForFirstConsumer";
}
