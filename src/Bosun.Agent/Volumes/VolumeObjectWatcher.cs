using System.Threading.Channels;
using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Volumes;

/// <summary>
/// Propagates ConfigMap and Secret changes into the pods' volumes as soon as the informers see them (the kubelet's
/// watch-based change detection), so updates do not wait for the volume manager's one-minute resync.
/// </summary>
internal sealed class VolumeObjectWatcher
{
    private readonly VolumeManager manager;
    private readonly Informer<V1ConfigMap> configMaps;
    private readonly Informer<V1Secret> secrets;
    private readonly Channel<(string Kind, string Namespace, string Name)> changes =
        Channel.CreateBounded<(string, string, string)>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });

    public VolumeObjectWatcher(ApiClient api, VolumeManager manager, ILoggerFactory loggers, TimeProvider time)
    {
        this.manager = manager;
        configMaps = new Informer<V1ConfigMap>(api, loggers.CreateLogger("Bosun.Agent.Informer.ConfigMap"), time);
        secrets = new Informer<V1Secret>(api, loggers.CreateLogger("Bosun.Agent.Informer.Secret"), time);
        configMaps.On(updated: (_, c) => Changed("ConfigMap", c.Metadata), deleted: c => Changed("ConfigMap", c.Metadata));
        secrets.On(updated: (_, s) => Changed("Secret", s.Metadata), deleted: s => Changed("Secret", s.Metadata));
    }

    private void Changed(string kind, V1ObjectMeta meta) => changes.Writer.TryWrite((kind, meta.NamespaceProperty, meta.Name));

    /// <summary>Resolves once both informers have listed (tests wait on it before changing objects).</summary>
    public Task WaitForSyncAsync(CancellationToken ct) => Task.WhenAll(configMaps.WaitForSyncAsync(ct), secrets.WaitForSyncAsync(ct));

    public async Task RunAsync(CancellationToken ct)
    {
        var informers = Task.WhenAll(configMaps.RunAsync(ct), secrets.RunAsync(ct));
        try
        {
            await foreach (var (kind, ns, name) in changes.Reader.ReadAllAsync(ct)) await manager.ObjectChangedAsync(kind, ns, name, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        try { await informers; }
        catch (OperationCanceledException) { }
    }
}
