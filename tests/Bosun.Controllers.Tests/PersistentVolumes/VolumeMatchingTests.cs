using Bosun.Api;
using k8s.Models;

namespace Bosun.Controllers.Tests.PersistentVolumes;

public sealed class VolumeMatchingTests
{
    internal static V1PersistentVolumeClaim Claim(string size = "1Gi", string? cls = "", string[]? modes = null, V1LabelSelector? selector = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "data", NamespaceProperty = "default", Uid = "claim-uid" },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = modes ?? ["ReadWriteOnce"], StorageClassName = cls, Selector = selector,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
        },
    };

    internal static V1PersistentVolume Volume(string name, string size = "1Gi", string cls = "", string[]? modes = null,
        Dictionary<string, string>? labels = null, V1ObjectReference? claimRef = null, string phase = "Available") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Spec = new V1PersistentVolumeSpec
        {
            AccessModes = modes ?? ["ReadWriteOnce"], StorageClassName = cls, ClaimRef = claimRef,
            Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
            HostPath = new V1HostPathVolumeSource { Path = "/tmp/" + name },
        },
        Status = new V1PersistentVolumeStatus { Phase = phase },
    };

    [Fact]
    public void FindBest_SeveralLargeEnough_PicksTheSmallest()
    {
        var best = VolumeMatching.FindBest(Claim("1Gi"), [Volume("big", "10Gi"), Volume("small", "2Gi"), Volume("tiny", "500Mi")]);
        Assert.Equal("small", best?.Metadata.Name);
    }

    [Fact]
    public void FindBest_PreboundVolume_WinsOverASmallerFreeOne()
    {
        var prebound = Volume("mine", "5Gi", claimRef: new V1ObjectReference { NamespaceProperty = "default", Name = "data" });
        Assert.Equal("mine", VolumeMatching.FindBest(Claim(), [Volume("free", "1Gi"), prebound])?.Metadata.Name);
    }

    public static TheoryData<string, V1PersistentVolumeClaim, V1PersistentVolume> Mismatches => new()
    {
        { "class", Claim(cls: "fast"), Volume("v", cls: "slow") },
        { "empty class vs named", Claim(cls: ""), Volume("v", cls: "slow") },
        { "capacity", Claim("2Gi"), Volume("v", "1Gi") },
        { "access modes", Claim(modes: ["ReadWriteMany"]), Volume("v", modes: ["ReadWriteOnce"]) },
        { "selector", Claim(selector: new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["tier"] = "db" } }), Volume("v", labels: new() { ["tier"] = "web" }) },
        { "bound elsewhere", Claim(), Volume("v", claimRef: new V1ObjectReference { NamespaceProperty = "default", Name = "other", Uid = "x" }) },
        { "released", Claim(), Volume("v", phase: "Released") },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Matches_Mismatch_IsFalse(string why, V1PersistentVolumeClaim claim, V1PersistentVolume pv)
    {
        Assert.False(VolumeMatching.Matches(claim, pv), why);
    }

    [Fact]
    public void Matches_SelectorExpressionsAndSupersetOfModes_IsTrue()
    {
        var claim = Claim(selector: new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "tier", OperatorProperty = "In", Values = ["db", "cache"] }],
        });
        Assert.True(VolumeMatching.Matches(claim, Volume("v", "1Gi", modes: ["ReadWriteOnce", "ReadOnlyMany"], labels: new() { ["tier"] = "db" })));
    }
}
