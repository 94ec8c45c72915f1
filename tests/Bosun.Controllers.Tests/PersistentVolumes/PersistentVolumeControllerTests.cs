using Bosun.Api;
using Bosun.Controllers.PersistentVolumes;
using k8s.Models;
using static Bosun.Controllers.Tests.PersistentVolumes.VolumeMatchingTests;

namespace Bosun.Controllers.Tests.PersistentVolumes;

/// <summary>The PV binder against a real API server, reconciling by hand.</summary>
public sealed class PersistentVolumeControllerTests
{
    private static async Task<(ControllerFixture F, PersistentVolumeController C)> StartAsync()
    {
        var f = await ControllerFixture.StartAsync();
        var c = f.Add(new PersistentVolumeController(f.Context));
        await f.StartInformersAsync();
        return (f, c);
    }

    private static V1PersistentVolumeClaim NewClaim(string size = "1Gi", string? cls = "")
    {
        var c = Claim(size, cls);
        c.Metadata.Uid = null;
        return c;
    }

    private static async Task SyncAllAsync(ControllerFixture f, PersistentVolumeController c, int rounds = 3)
    {
        for (var i = 0; i < rounds; i++)
        {
            foreach (var claim in await f.ListAsync<V1PersistentVolumeClaim>()) await f.ReconcileAsync(c, "default", claim.Metadata.Name);
            foreach (var pv in await f.ListAsync<V1PersistentVolume>(null)) await f.ReconcileAsync(c, "", pv.Metadata.Name);
        }
    }

    private static Task<V1PersistentVolumeClaim> GetClaimAsync(ControllerFixture f, string name = "data") =>
        f.Api.GetAsync<V1PersistentVolumeClaim>("default", name, f.Ct);

    private static Task<V1PersistentVolume?> GetVolumeAsync(ControllerFixture f, string name) => f.Api.TryGetAsync<V1PersistentVolume>(null, name, f.Ct);

    [Fact]
    public async Task Reconcile_MatchingVolume_BindsBothSidesWithAnnotations()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync<V1PersistentVolume>(null, Volume("pv-small", "2Gi"), f.Ct);
        await f.Api.CreateAsync<V1PersistentVolume>(null, Volume("pv-big", "10Gi"), f.Ct);
        await f.Api.CreateAsync("default", NewClaim("1Gi"), f.Ct);
        await f.SettleAsync();

        await SyncAllAsync(f, c);

        var claim = await GetClaimAsync(f);
        Assert.Equal("pv-small", claim.Spec.VolumeName);
        Assert.Equal("Bound", claim.Status.Phase);
        Assert.Equal("yes", claim.Metadata.Annotations[StorageAnnotations.BindCompleted]);
        Assert.Equal("yes", claim.Metadata.Annotations[StorageAnnotations.BoundByController]);
        Assert.Equal("2Gi", claim.Status.Capacity["storage"].ToString());
        var pv = (await GetVolumeAsync(f, "pv-small"))!;
        Assert.Equal("Bound", pv.Status.Phase);
        Assert.Equal(claim.Metadata.Uid, pv.Spec.ClaimRef.Uid);
        Assert.Equal("yes", pv.Metadata.Annotations[StorageAnnotations.BoundByController]);
        Assert.Equal("Available", (await GetVolumeAsync(f, "pv-big"))!.Status.Phase);

        var before = await f.SnapshotAsync();
        await SyncAllAsync(f, c, rounds: 1);
        Assert.Equal(before, await f.SnapshotAsync());   // idempotent
    }

    [Fact]
    public async Task Reconcile_NoVolumeNoClass_StaysPending()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync("default", NewClaim(), f.Ct);
        await f.SettleAsync();

        await SyncAllAsync(f, c);

        var claim = await GetClaimAsync(f);
        Assert.Equal("Pending", claim.Status.Phase);
        Assert.Null(claim.Spec.VolumeName);
    }

    [Fact]
    public async Task Reconcile_ClaimNamingAVolume_BindsToItWithoutBoundByControllerOnClaim()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync<V1PersistentVolume>(null, Volume("chosen", "5Gi"), f.Ct);
        await f.Api.CreateAsync<V1PersistentVolume>(null, Volume("other", "1Gi"), f.Ct);
        var claim = NewClaim();
        claim.Spec.VolumeName = "chosen";
        await f.Api.CreateAsync("default", claim, f.Ct);
        await f.SettleAsync();

        await SyncAllAsync(f, c);

        var bound = await GetClaimAsync(f);
        Assert.Equal("chosen", bound.Spec.VolumeName);
        Assert.Equal("Bound", bound.Status.Phase);
        Assert.False(bound.Metadata.Annotations.ContainsKey(StorageAnnotations.BoundByController));
    }

    [Fact]
    public async Task Reconcile_WaitForFirstConsumerClass_WaitsThenRequestsProvisioningOnceANodeIsSelected()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync<V1StorageClass>(null, new V1StorageClass
        {
            Metadata = new V1ObjectMeta { Name = "delayed" }, Provisioner = StorageAnnotations.LocalPathProvisioner,
            VolumeBindingMode = StorageAnnotations.WaitForFirstConsumer,
        }, f.Ct);
        await f.Api.CreateAsync<V1PersistentVolume>(null, Volume("static", "5Gi", cls: "delayed"), f.Ct);
        await f.Api.CreateAsync("default", NewClaim(cls: "delayed"), f.Ct);
        await f.SettleAsync();

        await SyncAllAsync(f, c);
        var waiting = await GetClaimAsync(f);
        Assert.Equal("Pending", waiting.Status.Phase);
        Assert.Null(waiting.Spec.VolumeName);   // delayed binding does not take the free static volume
        Assert.False(waiting.Metadata.Annotations?.ContainsKey(StorageAnnotations.StorageProvisioner) ?? false);

        waiting.Metadata.Annotations ??= new Dictionary<string, string>();
        waiting.Metadata.Annotations[StorageAnnotations.SelectedNode] = "node-1";
        await f.Api.UpdateAsync("default", "data", waiting, f.Ct);
        await f.SettleAsync();
        await SyncAllAsync(f, c);

        var provisioning = await GetClaimAsync(f);
        Assert.Equal(StorageAnnotations.LocalPathProvisioner, provisioning.Metadata.Annotations[StorageAnnotations.StorageProvisioner]);
        Assert.Equal(StorageAnnotations.LocalPathProvisioner, provisioning.Metadata.Annotations[StorageAnnotations.BetaStorageProvisioner]);
        Assert.Equal("Pending", provisioning.Status.Phase);
    }

    [Fact]
    public async Task Reconcile_ClaimDeletedWithRetain_LeavesVolumeReleased()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync<V1PersistentVolume>(null, Volume("keep"), f.Ct);
        await f.Api.CreateAsync("default", NewClaim(), f.Ct);
        await f.SettleAsync();
        await SyncAllAsync(f, c);

        await f.Api.DeleteAsync<V1PersistentVolumeClaim>("default", "data", f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "keep");

        var pv = (await GetVolumeAsync(f, "keep"))!;
        Assert.Equal("Released", pv.Status.Phase);
        Assert.NotNull(pv.Spec.ClaimRef);   // a released volume keeps its claimRef: it is not offered to new claims
        await f.Api.CreateAsync("default", NewClaim(), f.Ct);
        await f.SettleAsync();
        await SyncAllAsync(f, c);
        Assert.Equal("Pending", (await GetClaimAsync(f)).Status.Phase);
    }

    [Fact]
    public async Task Reconcile_ClaimDeletedWithDelete_DeletesTheVolume()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        var volume = Volume("temp");
        volume.Spec.PersistentVolumeReclaimPolicy = "Delete";
        await f.Api.CreateAsync<V1PersistentVolume>(null, volume, f.Ct);
        await f.Api.CreateAsync("default", NewClaim(), f.Ct);
        await f.SettleAsync();
        await SyncAllAsync(f, c);
        Assert.Equal("Bound", (await GetVolumeAsync(f, "temp"))!.Status.Phase);

        await f.Api.DeleteAsync<V1PersistentVolumeClaim>("default", "data", f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "", "temp");

        Assert.Null(await GetVolumeAsync(f, "temp"));
    }

    [Fact]
    public async Task Reconcile_BoundVolumeDeleted_MarksClaimLost()
    {
        var (f, c) = await StartAsync();
        await using var _ = f;
        await f.Api.CreateAsync<V1PersistentVolume>(null, Volume("gone"), f.Ct);
        await f.Api.CreateAsync("default", NewClaim(), f.Ct);
        await f.SettleAsync();
        await SyncAllAsync(f, c);

        await f.Api.DeleteAsync<V1PersistentVolume>(null, "gone", f.Ct);
        await f.SettleAsync();
        await f.ReconcileAsync(c, "default", "data");

        Assert.Equal("Lost", (await GetClaimAsync(f)).Status.Phase);
    }
}
