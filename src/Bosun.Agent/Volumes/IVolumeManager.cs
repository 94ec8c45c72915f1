using k8s.Models;

namespace Bosun.Agent.Volumes;

/// <summary>
/// Prepares a pod's volumes on the node before its containers start, and removes them after the pod is gone.
/// The pod workers turn each container's volumeMounts into CRI mounts from the returned host paths.
/// </summary>
internal interface IVolumeManager
{
    /// <summary>
    /// Makes every volume of <paramref name="pod"/> ready (directories, tmpfs, projected files) and returns
    /// volume name → host path. Throws <see cref="VolumeSetupException"/> with a user-facing message when a
    /// referenced ConfigMap, Secret or claim is missing or not yet bound.
    /// </summary>
    Task<IReadOnlyDictionary<string, string>> SetUpAsync(V1Pod pod, CancellationToken ct);

    /// <summary>Unmounts and deletes the pod's volume directories (emptyDir data is lost, as upstream).</summary>
    Task TearDownAsync(string podUid, CancellationToken ct);
}

/// <summary>A volume cannot be set up yet; the message is shown in the pod's events and waiting reason.</summary>
internal sealed class VolumeSetupException(string message) : Exception(message);
