using Bosun.Api;
using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Storage;

/// <summary>
/// The node side of the built-in <c>local-path</c> StorageClass: for each claim whose first pod the scheduler placed on
/// this node, makes <c>&lt;data-dir&gt;/storage/pvc-&lt;uid&gt;_&lt;ns&gt;_&lt;name&gt;</c> and a PersistentVolume pre-bound to
/// the claim (the PV controller completes the binding); when such a volume is deleted (reclaim Delete: by the PV
/// controller after its claim went), removes the directory and then the volume's finalizer. Keys of claims are
/// <c>ns/name</c>, keys of volumes have no namespace.
/// </summary>
internal sealed partial class LocalPathProvisioner : IReconciler
{
    private const UnixFileMode DirMode = (UnixFileMode)0b111_111_111;   // 0777: any container user may write, as local-path-provisioner
    private readonly ApiClient api;
    private readonly string nodeName;
    private readonly string storageDir;
    private readonly Informer<V1PersistentVolumeClaim> claims;
    private readonly Informer<V1PersistentVolume> volumes;
    private readonly Informer<V1StorageClass> classes;
    private readonly WorkQueue<ObjectKey> queue;
    private readonly EventRecorder events;
    private readonly ILogger logger;
    private readonly ILoggerFactory loggers;

    public LocalPathProvisioner(ApiClient api, string nodeName, AgentPaths paths, ILoggerFactory loggers, TimeProvider time)
    {
        this.api = api;
        this.nodeName = nodeName;
        storageDir = paths.Storage;
        this.loggers = loggers;
        logger = loggers.CreateLogger<LocalPathProvisioner>();
        claims = new Informer<V1PersistentVolumeClaim>(api, loggers.CreateLogger("Bosun.Agent.Informer.PersistentVolumeClaim"), time);
        volumes = new Informer<V1PersistentVolume>(api, loggers.CreateLogger("Bosun.Agent.Informer.PersistentVolume"), time);
        classes = new Informer<V1StorageClass>(api, loggers.CreateLogger("Bosun.Agent.Informer.StorageClass"), time);
        queue = new WorkQueue<ObjectKey>(time);
        events = new EventRecorder(api, StorageAnnotations.LocalPathProvisioner + "_" + nodeName, loggers.CreateLogger<EventRecorder>(), time);
        claims.On(added: c => queue.Add(ObjectKey.Of(c)), updated: (_, c) => queue.Add(ObjectKey.Of(c)));
        volumes.On(added: v => queue.Add(ObjectKey.Of(v)), updated: (_, v) => queue.Add(ObjectKey.Of(v)));
    }

    public string Name => "local-path-provisioner";

    public async Task RunAsync(CancellationToken ct)
    {
        var host = new ControllerHost(loggers.CreateLogger<ControllerHost>());
        host.AddInformer(claims).AddInformer(volumes).AddInformer(classes).AddController(this, queue, workers: 1);
        await Task.WhenAll(host.RunAsync(ct), events.RunAsync(ct));
    }

    public Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct) =>
        key.Namespace.Length == 0 ? SyncVolumeAsync(key, ct) : SyncClaimAsync(key, ct);

    private async Task<ReconcileResult> SyncClaimAsync(ObjectKey key, CancellationToken ct)
    {
        if (!claims.TryGet(key, out var claim)) return ReconcileResult.Done;
        var sc = classes.Get(null, VolumeMatching.ClassOf(claim));
        if (!ProvisionerDecisions.ShouldProvision(claim, sc, nodeName)) return ReconcileResult.Done;
        if (volumes.Get(null, ProvisionerDecisions.VolumeName(claim)) is not null) return ReconcileResult.Done;

        var dir = Path.Combine(storageDir, ProvisionerDecisions.DirectoryName(claim));
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, DirMode);
        var pv = ProvisionerDecisions.VolumeFor(claim, sc!, nodeName, dir);
        try
        {
            await api.CreateAsync<V1PersistentVolume>(null, pv, ct);
            events.Record(claim, EventRecorder.Normal, "ProvisioningSucceeded", $"Successfully provisioned volume {pv.Metadata.Name}");
            Log.Provisioned(logger, key, pv.Metadata.Name, dir);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            // Made by an earlier pass whose event our cache had not seen yet.
        }
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> SyncVolumeAsync(ObjectKey key, CancellationToken ct)
    {
        if (!volumes.TryGet(key, out var pv)) return ReconcileResult.Done;
        var (finalize, removeDirectory) = ProvisionerDecisions.OnVolume(pv, nodeName, storageDir);
        if (!finalize) return ReconcileResult.Done;
        var path = pv.Spec.HostPath!.Path;
        if (removeDirectory && Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
            Log.Removed(logger, pv.Metadata.Name, path);
        }
        var copy = ModelJson.Deserialize<V1PersistentVolume>(ModelJson.Serialize(pv));
        copy.Metadata.Finalizers = copy.Metadata.Finalizers.Where(f => f != StorageAnnotations.ProvisionerFinalizer).ToList();
        try
        {
            await api.UpdateAsync(null, pv.Metadata.Name, copy, ct);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
        return ReconcileResult.Done;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Provisioned {Claim} as {Volume} at {Path}")]
        public static partial void Provisioned(ILogger logger, ObjectKey claim, string volume, string path);

        [LoggerMessage(Level = LogLevel.Information, Message = "Removed the storage of {Volume} at {Path}")]
        public static partial void Removed(ILogger logger, string volume, string path);
    }
}
