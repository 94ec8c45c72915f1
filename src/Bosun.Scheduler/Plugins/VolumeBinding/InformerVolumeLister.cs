using Bosun.Client;
using k8s.Models;

namespace Bosun.Scheduler.Plugins.VolumeBinding;

/// <summary>The scheduler's informers for claims, volumes and classes, replaced on each leadership term.</summary>
internal sealed class InformerVolumeLister : IVolumeLister
{
    public Informer<V1PersistentVolumeClaim>? Claims { get; set; }
    public Informer<V1PersistentVolume>? PersistentVolumes { get; set; }
    public Informer<V1StorageClass>? Classes { get; set; }

    public V1PersistentVolumeClaim? GetClaim(string ns, string name) => Claims?.Get(ns, name);

    public V1PersistentVolume? GetVolume(string name) => PersistentVolumes?.Get(null, name);

    public IEnumerable<V1PersistentVolume> Volumes() => PersistentVolumes?.List() ?? [];

    public V1StorageClass? GetClass(string name) => Classes?.Get(null, name);
}
