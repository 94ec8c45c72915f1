using Bosun.Api;
using Bosun.Testing;
using k8s.Models;

namespace Bosun.ApiServer.Tests.Bootstrap;

/// <summary>The built-in local-path StorageClass and the DefaultStorageClass admission, through the real API.</summary>
public sealed class DefaultStorageClassTests
{
    private static V1PersistentVolumeClaim Claim(string name, string? cls) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"], StorageClassName = cls,
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
        },
    };

    [Fact]
    public async Task Start_CreatesLocalPathAsTheDefaultWaitForFirstConsumerClass()
    {
        await using var cluster = await TestCluster.StartAsync();

        var sc = await cluster.Api.GetAsync<V1StorageClass>(null, "local-path", CancellationToken.None);

        Assert.Equal("bosun.dev/local-path", sc.Provisioner);
        Assert.Equal("WaitForFirstConsumer", sc.VolumeBindingMode);
        Assert.Equal("Delete", sc.ReclaimPolicy);
        Assert.Equal("true", sc.Metadata.Annotations[StorageAnnotations.IsDefaultClass]);
    }

    [Fact]
    public async Task CreateClaim_WithoutClass_GetsTheDefaultButEmptyClassStaysEmpty()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = CancellationToken.None;

        var defaulted = await cluster.Api.CreateAsync("default", Claim("a", null), ct);
        var explicitNone = await cluster.Api.CreateAsync("default", Claim("b", ""), ct);
        var named = await cluster.Api.CreateAsync("default", Claim("c", "fast"), ct);

        Assert.Equal("local-path", defaulted.Spec.StorageClassName);
        Assert.Equal("", explicitNone.Spec.StorageClassName ?? "");
        Assert.Equal("fast", named.Spec.StorageClassName);
    }

    [Fact]
    public async Task CreateClaim_NoDefaultClassLeft_KeepsNoClass()
    {
        await using var cluster = await TestCluster.StartAsync();
        var ct = CancellationToken.None;
        await cluster.Api.DeleteAsync<V1StorageClass>(null, "local-path", ct);

        var claim = await cluster.Api.CreateAsync("default", Claim("a", null), ct);

        Assert.Null(claim.Spec.StorageClassName);
    }
}
