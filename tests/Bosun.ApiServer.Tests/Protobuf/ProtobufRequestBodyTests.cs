using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry.Kinds;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Tests.Protobuf;

public sealed class ProtobufRequestBodyTests
{
    private static HttpRequest Request(byte[] body)
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.ContentType = "application/vnd.kubernetes.protobuf";
        ctx.Request.ContentLength = body.Length;
        ctx.Request.Body = new MemoryStream(body);
        return ctx.Request;
    }

    [Fact]
    public async Task ReadObjectAsync_ProtobufDeployment_ReturnsJsonObject()
    {
        var obj = await RequestBody.ReadObjectAsync(Request(ProtoFixtures.Body("deployment")), CancellationToken.None);

        Assert.Equal("Deployment", obj["kind"]!.GetValue<string>());
        Assert.Equal("myapp", obj["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task ReadObjectAsync_ProtobufGarbage_ThrowsBadRequest()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => RequestBody.ReadObjectAsync(Request([0x6b, 0x38, 0x73, 0x00, 0x12, 0x40]), CancellationToken.None));

        Assert.Equal(400, e.Code);
    }

    [Fact]
    public async Task DeleteOptionsReadAsync_ProtobufWithZeroGrace_KeepsZeroAndPolicy()
    {
        var options = new ProtoWriter().Varint(1, 0).String(4, "Foreground");
        var ctx = new DefaultHttpContext();
        var body = ProtoWriter.Envelope("v1", "DeleteOptions", options);
        ctx.Request.ContentType = "application/vnd.kubernetes.protobuf";
        ctx.Request.Body = new MemoryStream(body);

        var parsed = await DeleteOptionsParser.ReadAsync(ctx, CancellationToken.None);

        Assert.Equal(0, parsed.GracePeriodSeconds);
        Assert.Equal("Foreground", parsed.PropagationPolicy);
    }

    [Fact]
    public async Task TypeMeta_ProtobufKindOfAnotherEndpoint_ThrowsBadRequest()
    {
        var obj = await RequestBody.ReadObjectAsync(Request(ProtoFixtures.Body("deployment")), CancellationToken.None);
        var configMaps = BuiltInKinds.Create().Single(r => r.Resource == "configmaps");

        var e = Assert.Throws<ApiException>(() => BodyChecks.TypeMeta(obj, configMaps));
        Assert.Equal(400, e.Code);
    }
}
