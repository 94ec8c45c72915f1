using k8s.Models;

namespace Bosun.Scheduler.Plugins.VolumeBinding;

/// <summary>Read-only views of claims, volumes and classes the VolumeBinding plugin decides from (informer caches).</summary>
public interface IVolumeLister
{
    V1PersistentVolumeClaim? GetClaim(string ns, string name);

    V1PersistentVolume? GetVolume(string name);

    IEnumerable<V1PersistentVolume> Volumes();

    V1StorageClass? GetClass(string name);
}
