using Bosun.ApiServer.Protobuf;
using Bosun.ApiServer.Registry.Kinds;

namespace Bosun.ApiServer.Tests.Protobuf;

public sealed class ProtoSchemaTests
{
    [Fact]
    public void ForKind_EveryRegisteredKind_HasAMessage()
    {
        var missing = BuiltInKinds.Create()
            .Where(reg => ProtoSchema.Instance.ForKind(reg.ApiVersion, reg.Kind) is null)
            .Select(reg => $"{reg.ApiVersion} {reg.Kind}")
            .ToList();

        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("authentication.k8s.io/v1", "TokenRequest")]
    [InlineData("authorization.k8s.io/v1", "SelfSubjectAccessReview")]
    [InlineData("policy/v1", "Eviction")]
    [InlineData("autoscaling/v1", "Scale")]
    public void ForKind_SubresourceKinds_HaveAMessage(string apiVersion, string kind) =>
        Assert.NotNull(ProtoSchema.Instance.ForKind(apiVersion, kind));

    [Theory]
    [InlineData("v1", "core.v1")]
    [InlineData("apps/v1", "apps.v1")]
    [InlineData("networking.k8s.io/v1", "networking.v1")]
    [InlineData("rbac.authorization.k8s.io/v1", "rbac.v1")]
    [InlineData("autoscaling/v2", "autoscaling.v2")]
    public void PackageOf_ApiVersion_IsFirstGroupLabelAndVersion(string apiVersion, string package) =>
        Assert.Equal(package, ProtoSchema.PackageOf(apiVersion));

    [Theory]
    [InlineData("core.v1.Volume", 2)]
    [InlineData("core.v1.Probe", 1)]
    [InlineData("core.v1.PersistentVolumeSpec", 2)]
    [InlineData("core.v1.EphemeralContainer", 1)]
    [InlineData("networking.v1.IngressRule", 2)]
    [InlineData("core.v1.SecretKeySelector", 1)]
    public void Message_InlineEmbeddedStructs_AreMarkedInline(string message, int field) =>
        Assert.True(ProtoSchema.Instance.Message(message)!.Field((ulong)field)!.Inline);

    [Fact]
    public void Message_DeploymentSpec_UsesUpstreamFieldNumbers()
    {
        var spec = ProtoSchema.Instance.Message("apps.v1.DeploymentSpec")!;

        Assert.Equal("replicas", spec.Field(1)!.JsonName);
        Assert.True(spec.Field(1)!.Pointer);
        Assert.Equal("template", spec.Field(3)!.JsonName);
        Assert.Equal("progressDeadlineSeconds", spec.Field(9)!.JsonName);
        Assert.Null(spec.Field(8));
    }

    [Fact]
    public void Parse_UnknownMessageReference_Throws() =>
        Assert.Throws<FormatException>(() => ProtoSchema.Parse("message a.v1.A\n  1 b a.v1.Missing\n"));
}
