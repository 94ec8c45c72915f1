using System.Collections.Concurrent;
using System.Globalization;
using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Volumes;

/// <summary>
/// Sets up a pod's volumes under <c>pods/&lt;uid&gt;/volumes/&lt;plugin&gt;/&lt;name&gt;</c> and removes them.
/// emptyDir is a directory (tmpfs for <c>medium: Memory</c>); secret and projected volumes are tmpfs too, so their
/// contents never reach the disk; configMap, secret, downwardAPI and projected files are written with
/// <see cref="AtomicWriter"/>. hostPath and persistentVolumeClaim volumes are used in place (their host path is
/// returned). <see cref="SetUpAsync"/> is idempotent and cheap when nothing changed, so pod workers may call it on
/// every sync; <see cref="RunAsync"/> rewrites the files of every set-up pod each resync period to propagate updates.
/// </summary>
internal sealed partial class VolumeManager(AgentPaths paths, IVolumeObjects objects, ITokenSource tokens, TimeProvider time,
    ILogger<VolumeManager> logger) : IVolumeManager
{
    private const UnixFileMode EmptyDirMode = (UnixFileMode)0b111_111_111;   // 0777: any container user may write, as upstream
    private readonly ConcurrentDictionary<string, V1Pod> pods = new();
    private readonly TokenCache tokenCache = new(tokens, time);
    // One volume mutation at a time: a refresh racing a teardown would otherwise mount a deleted pod's tmpfs again.
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>How often projected files are rewritten from the current objects (the kubelet's sync frequency is 1 minute).</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(1);

    public string VolumesDir(string podUid) => Path.Combine(paths.PodDir(podUid), "volumes");

    public async Task<IReadOnlyDictionary<string, string>> SetUpAsync(V1Pod pod, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            return await SetUpLockedAsync(pod, ct);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<IReadOnlyDictionary<string, string>> SetUpLockedAsync(V1Pod pod, CancellationToken ct)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            try
            {
                result[volume.Name] = await SetUpVolumeAsync(pod, volume, ct);
            }
            catch (VolumeSetupException e)
            {
                throw new VolumeSetupException($"MountVolume.SetUp failed for volume \"{volume.Name}\" : {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new VolumeSetupException($"MountVolume.SetUp failed for volume \"{volume.Name}\" : {e.Message}");
            }
        }
        pods[pod.Metadata.Uid] = pod;
        return result;
    }

    private async Task<string> SetUpVolumeAsync(V1Pod pod, V1Volume v, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid;
        var ns = pod.Metadata.NamespaceProperty;
        if (v.HostPath is { } hp)
        {
            HostPathCheck.Check(hp.Path, hp.Type);
            return hp.Path;
        }
        if (v.PersistentVolumeClaim is { } pvc) return await ClaimPathAsync(ns, pvc.ClaimName, ct);
        if (v.EmptyDir is { } ed)
        {
            var dir = Dir(uid, VolumePlugins.EmptyDir, v.Name);
            Directory.CreateDirectory(dir);
            if (ed.Medium == "Memory") EnsureTmpfs(dir, ed.SizeLimit);
            File.SetUnixFileMode(dir, EmptyDirMode);
            return dir;
        }
        if (v.ConfigMap is { } cm)
        {
            var files = Payloads.ConfigMap(await objects.GetConfigMapAsync(ns, cm.Name, ct), cm.Name, cm.Items, cm.Optional ?? false, cm.DefaultMode);
            return Write(Dir(uid, VolumePlugins.ConfigMap, v.Name), files, tmpfs: false);
        }
        if (v.Secret is { } s)
        {
            var files = Payloads.Secret(await objects.GetSecretAsync(ns, s.SecretName, ct), s.SecretName, s.Items, s.Optional ?? false, s.DefaultMode);
            return Write(Dir(uid, VolumePlugins.Secret, v.Name), files, tmpfs: true);
        }
        if (v.DownwardAPI is { } d)
            return Write(Dir(uid, VolumePlugins.DownwardApi, v.Name), Payloads.DownwardApi(pod, d.Items, d.DefaultMode), tmpfs: false);
        if (v.Projected is { } p)
            return Write(Dir(uid, VolumePlugins.Projected, v.Name), await ProjectedAsync(pod, p, ct), tmpfs: true);
        throw new VolumeSetupException("volume type is not supported by Bosun's node agent (emptyDir, hostPath, configMap, secret, downwardAPI, projected and persistentVolumeClaim are)");
    }

    private string Dir(string uid, string plugin, string name) => Path.Combine(VolumesDir(uid), plugin, name);

    private string Write(string dir, Dictionary<string, FileProjection> files, bool tmpfs)
    {
        Directory.CreateDirectory(dir);
        if (tmpfs) EnsureTmpfs(dir, null);
        new AtomicWriter(dir, time).Write(files);
        return dir;
    }

    /// <summary>The files of a projected volume: each source's files, later sources winning on a clash (as upstream).</summary>
    private async Task<Dictionary<string, FileProjection>> ProjectedAsync(V1Pod pod, V1ProjectedVolumeSource p, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var mode = p.DefaultMode;
        var all = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        foreach (var source in p.Sources ?? [])
        {
            Dictionary<string, FileProjection> files;
            if (source.ConfigMap is { } cm)
                files = Payloads.ConfigMap(await objects.GetConfigMapAsync(ns, cm.Name, ct), cm.Name, cm.Items, cm.Optional ?? false, mode);
            else if (source.Secret is { } s)
                files = Payloads.Secret(await objects.GetSecretAsync(ns, s.Name, ct), s.Name, s.Items, s.Optional ?? false, mode);
            else if (source.DownwardAPI is { } d)
                files = Payloads.DownwardApi(pod, d.Items, mode);
            else if (source.ServiceAccountToken is { } t)
                files = new() { [t.Path] = new FileProjection(System.Text.Encoding.UTF8.GetBytes(await TokenAsync(pod, t, ct)), (UnixFileMode)(mode ?? 0b110_000_000)) };
            else
                throw new VolumeSetupException("projected volume source is not supported (configMap, secret, downwardAPI and serviceAccountToken are)");
            foreach (var (path, file) in files) all[path] = file;
        }
        return all;
    }

    private async Task<string> TokenAsync(V1Pod pod, V1ServiceAccountTokenProjection t, CancellationToken ct)
    {
        try
        {
            return await tokenCache.GetAsync(pod, t.Audience, t.ExpirationSeconds ?? 3600, ct);
        }
        catch (ApiException e)
        {
            var sa = pod.Spec.ServiceAccountName is { Length: > 0 } name ? name : "default";
            throw new VolumeSetupException($"failed to fetch token: serviceaccounts \"{sa}\" token request failed: {e.Message}");
        }
    }

    /// <summary>A claim's volume path: the bound PersistentVolume's hostPath or local path.</summary>
    private async Task<string> ClaimPathAsync(string ns, string claimName, CancellationToken ct)
    {
        var claim = await objects.GetClaimAsync(ns, claimName, ct)
            ?? throw new VolumeSetupException($"error processing PVC {ns}/{claimName}: failed to fetch PVC from API server: persistentvolumeclaims \"{claimName}\" not found");
        if (claim.Metadata.DeletionTimestamp is not null)
            throw new VolumeSetupException($"error processing PVC {ns}/{claimName}: can't start pod because PVC is being deleted");
        if (claim.Status?.Phase != "Bound" || string.IsNullOrEmpty(claim.Spec.VolumeName))
            throw new VolumeSetupException($"error processing PVC {ns}/{claimName}: PVC is not bound");
        var pv = await objects.GetVolumeAsync(claim.Spec.VolumeName, ct)
            ?? throw new VolumeSetupException($"error processing PVC {ns}/{claimName}: failed to fetch PV {claim.Spec.VolumeName} from API server: persistentvolumes \"{claim.Spec.VolumeName}\" not found");
        if (pv.Spec.ClaimRef?.Uid is { Length: > 0 } boundUid && boundUid != claim.Metadata.Uid)
            throw new VolumeSetupException($"error processing PVC {ns}/{claimName}: the PV {pv.Metadata.Name} is bound to another claim");
        if (pv.Spec.HostPath is { } hp)
        {
            HostPathCheck.Check(hp.Path, hp.Type);
            return hp.Path;
        }
        if (pv.Spec.Local is { } local)
        {
            if (!Directory.Exists(local.Path) && !File.Exists(local.Path))
                throw new VolumeSetupException($"path \"{local.Path}\" does not exist");
            return local.Path;
        }
        throw new VolumeSetupException($"PersistentVolume {pv.Metadata.Name} has a volume source Bosun cannot mount (hostPath and local are supported)");
    }

    private static void EnsureTmpfs(string dir, ResourceQuantity? sizeLimit)
    {
        if (MountTable.IsMountPoint(dir)) return;
        if (!Native.IsRoot) throw new VolumeSetupException($"mounting tmpfs at {dir} needs root");
        var options = sizeLimit is { } size ? "size=" + ((long)size.ToDecimal()).ToString(CultureInfo.InvariantCulture) : null;
        Native.Mount("tmpfs", dir, "tmpfs", Native.MsNoDev | Native.MsNoSuid, options);
    }

    /// <summary>Unmounts every mount under the pod's volume directory (deepest first), then deletes it.</summary>
    public async Task TearDownAsync(string podUid, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            pods.TryRemove(podUid, out _);
            tokenCache.Forget(podUid);
            var dir = VolumesDir(podUid);
            foreach (var mount in MountTable.Under(dir)) Native.Unmount(mount);
            var left = MountTable.Under(dir);
            if (left.Count > 0) throw new IOException($"volumes of pod {podUid} still mounted: {string.Join(", ", left)}");
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Rewrites the projected files of every pod set up so far (a no-op for files that did not change).</summary>
    public Task RefreshAsync(CancellationToken ct) =>
        RefreshPodsAsync(pods.Values.Where(p => p.Spec.Volumes?.Any(IsProjecting) == true).ToList(), ct);

    /// <summary>Refreshes pods that use the named ConfigMap or Secret now (informer change), not only at the next resync.</summary>
    public Task ObjectChangedAsync(string kind, string ns, string name, CancellationToken ct)
    {
        var affected = pods.Values.Where(p => p.Metadata.NamespaceProperty == ns && References(p, kind, name)).ToList();
        return affected.Count == 0 ? Task.CompletedTask : RefreshPodsAsync(affected, ct);
    }

    private async Task RefreshPodsAsync(List<V1Pod> affected, CancellationToken ct)
    {
        foreach (var pod in affected)
        {
            await gate.WaitAsync(ct);
            try
            {
                if (!pods.ContainsKey(pod.Metadata.Uid)) continue;   // torn down since the list was taken
                foreach (var volume in pod.Spec.Volumes!.Where(IsProjecting)) await SetUpVolumeAsync(pod, volume, ct);
            }
            catch (Exception e) when (e is VolumeSetupException or IOException or ApiException or HttpRequestException)
            {
                Log.RefreshFailed(logger, ObjectKey.Of(pod), e.Message);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    private static bool IsProjecting(V1Volume v) => v.ConfigMap is not null || v.Secret is not null || v.DownwardAPI is not null || v.Projected is not null;

    private static bool References(V1Pod pod, string kind, string name) => (pod.Spec.Volumes ?? []).Any(v => kind switch
    {
        "ConfigMap" => v.ConfigMap?.Name == name || v.Projected?.Sources?.Any(s => s.ConfigMap?.Name == name) == true,
        "Secret" => v.Secret?.SecretName == name || v.Projected?.Sources?.Any(s => s.Secret?.Name == name) == true,
        _ => false,
    });

    /// <summary>Refreshes every <see cref="ResyncPeriod"/> until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(ResyncPeriod, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) await RefreshAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Refreshing volumes of {Pod} failed: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, ObjectKey pod, string reason);
    }
}
