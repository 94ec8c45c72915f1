using System.Text.Json.Nodes;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Protobuf;

namespace Bosun.ApiServer.Tests.Protobuf;

public sealed class ProtobufRoundTripTests
{
    [Fact]
    public void Decode_EncodedRichDeployment_GivesBackTheJson()
    {
        var json = ProtoFixtures.Json("deployment-rich");

        var decoded = ProtobufDecoder.Decode(ProtoJsonEncoder.EncodeObject(json)).Object;

        Assert.True(JsonNode.DeepEquals(json, decoded), $"expected {json.ToJsonString()}\nactual   {decoded.ToJsonString()}");
    }

    [Fact]
    public void Decode_EncodedRichDeployment_FlattensInlineStructsAndKeepsPointerZeros()
    {
        var decoded = ProtobufDecoder.Decode(ProtoJsonEncoder.EncodeObject(ProtoFixtures.Json("deployment-rich"))).Object;
        var pod = decoded["spec"]!["template"]!["spec"]!;

        Assert.Equal(0, decoded["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal("http", pod["containers"]![0]!["livenessProbe"]!["httpGet"]!["port"]!.GetValue<string>());
        Assert.Equal("db", pod["containers"]![0]!["env"]![1]!["valueFrom"]!["secretKeyRef"]!["name"]!.GetValue<string>());
        Assert.Equal("{}", pod["volumes"]![1]!["emptyDir"]!.ToJsonString());
        Assert.Equal("25%", decoded["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]!.GetValue<string>());
    }

    [Fact]
    public void Decode_EncodedPodDemo_GivesBackTheYaml()
    {
        var pod = Bosun.Api.YamlJson.ParseObject(File.ReadAllBytes(Path.Combine(ProtoFixtures.Directory, "..", "pod-demo.yaml")));

        var decoded = ProtobufDecoder.Decode(ProtoJsonEncoder.EncodeObject(pod)).Object;

        Assert.True(JsonNode.DeepEquals(pod, decoded), $"expected {pod.ToJsonString()}\nactual   {decoded.ToJsonString()}");
    }
}
