using Bosun.Agent.Storage;
using Bosun.Api;
using k8s.Models;

namespace Bosun.Agent.Tests.Storage;

public sealed class ProvisionerDecisionsTests
{
    private static readonly V1StorageClass LocalPath = new()
    {
        Metadata = new V1ObjectMeta { Name = "local-path" }, Provisioner = StorageAnnotations.LocalPathProvisioner,
        ReclaimPolicy = "Delete", VolumeBindingMode = StorageAnnotations.WaitForFirstConsumer,
    };

    private static V1PersistentVolumeClaim Claim(string? node = "n1", string? volumeName = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "data", NamespaceProperty = "shop", Uid = "1234",
            Annotations = node is null ? null : new Dictionary<string, string> { [StorageAnnotations.SelectedNode] = node },
        },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"], StorageClassName = "local-path", VolumeName = volumeName,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("2Gi") } },
        },
    };

    [Fact]
    public void ShouldProvision_ClaimSelectedForThisNode_IsTrue() => Assert.True(ProvisionerDecisions.ShouldProvision(Claim(), LocalPath, "n1"));

    [Theory]
    [InlineData(null, null, "no node selected yet")]
    [InlineData("n2", null, "another node")]
    [InlineData("n1", "pv-x", "already bound")]
    public void ShouldProvision_Otherwise_IsFalse(string? node, string? volumeName, string why) =>
        Assert.False(ProvisionerDecisions.ShouldProvision(Claim(node, volumeName), LocalPath, "n1"), why);

    [Fact]
    public void ShouldProvision_OtherProvisioner_IsFalse()
    {
        var other = new V1StorageClass { Metadata = new V1ObjectMeta { Name = "local-path" }, Provisioner = "example.com/nfs" };
        Assert.False(ProvisionerDecisions.ShouldProvision(Claim(), other, "n1"));
    }

    [Fact]
    public void VolumeFor_Claim_IsPreboundPinnedSizedAndFinalized()
    {
        var pv = ProvisionerDecisions.VolumeFor(Claim(), LocalPath, "n1", "/var/lib/bosun/storage/pvc-1234_shop_data");

        Assert.Equal("pvc-1234", pv.Metadata.Name);
        Assert.Equal("pvc-1234_shop_data", ProvisionerDecisions.DirectoryName(Claim()));
        Assert.Equal("2Gi", pv.Spec.Capacity["storage"].ToString());
        Assert.Equal(("shop", "data", "1234"), (pv.Spec.ClaimRef.NamespaceProperty, pv.Spec.ClaimRef.Name, pv.Spec.ClaimRef.Uid));
        Assert.Equal("Delete", pv.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal("local-path", pv.Spec.StorageClassName);
        Assert.Equal(["n1"], pv.Spec.NodeAffinity.Required.NodeSelectorTerms.Single().MatchExpressions.Single().Values);
        Assert.Contains(StorageAnnotations.ProvisionerFinalizer, pv.Metadata.Finalizers);
        Assert.Equal(StorageAnnotations.LocalPathProvisioner, pv.Metadata.Annotations[StorageAnnotations.ProvisionedBy]);
    }

    [Theory]
    [InlineData("Delete", "n1", true, true, true)]
    [InlineData("Retain", "n1", true, true, false)]
    [InlineData("Delete", "n2", true, false, false)]
    [InlineData("Delete", "n1", false, false, false)]
    public void OnVolume_DeletedVolume_FinalizesAndRemovesOnlyOwnDeleteVolumes(string policy, string node, bool deleting, bool finalize, bool remove)
    {
        var pv = ProvisionerDecisions.VolumeFor(Claim(), LocalPath, node, "/data/storage/pvc-1234_shop_data");
        pv.Spec.PersistentVolumeReclaimPolicy = policy;
        if (deleting) pv.Metadata.DeletionTimestamp = DateTime.UtcNow;

        Assert.Equal((finalize, remove), ProvisionerDecisions.OnVolume(pv, "n1", "/data/storage"));
    }

    [Theory]
    [InlineData("/data/storage/pvc-1", true)]
    [InlineData("/data/storage/../etc", false)]
    [InlineData("/data/storage", false)]
    [InlineData("/data/storage/a/pvc-1", false)]
    [InlineData("/data/other/pvc-1", false)]
    public void IsUnder_OnlyDirectChildrenNamedPvc(string path, bool expected) =>
        Assert.Equal(expected, ProvisionerDecisions.IsUnder(path, "/data/storage"));
}
