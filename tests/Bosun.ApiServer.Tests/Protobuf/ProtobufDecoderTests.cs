using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Protobuf;

namespace Bosun.ApiServer.Tests.Protobuf;

public sealed class ProtobufDecoderTests
{
    [Theory]
    [InlineData("deployment")]
    [InlineData("configmap")]
    [InlineData("secret")]
    [InlineData("secret-tls-like")]
    [InlineData("service")]
    [InlineData("service-clusterip")]
    [InlineData("namespace")]
    [InlineData("job")]
    [InlineData("cronjob")]
    [InlineData("quota")]
    [InlineData("ingress")]
    [InlineData("pdb")]
    [InlineData("pdb-int")]
    [InlineData("serviceaccount")]
    [InlineData("priorityclass")]
    [InlineData("role")]
    [InlineData("rolebinding")]
    [InlineData("clusterrole")]
    [InlineData("clusterrole-nonres")]
    [InlineData("clusterrolebinding")]
    [InlineData("hpa")]
    public void Decode_Kubectl132Body_EqualsKubectl131Json(string name)
    {
        var (apiVersion, kind, obj) = ProtobufDecoder.Decode(ProtoFixtures.Body(name));

        var expected = ProtoFixtures.Normalize(ProtoFixtures.Json(name))!.AsObject();
        Assert.Equal(expected["apiVersion"]!.GetValue<string>(), apiVersion);
        Assert.Equal(expected["kind"]!.GetValue<string>(), kind);
        var actual = ProtoFixtures.Normalize(obj)!;
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\nactual   {actual.ToJsonString()}");
    }

    [Fact]
    public void Decode_Deployment_KeepsReplicasAndDropsGoZeroValues()
    {
        var obj = ProtobufDecoder.Decode(ProtoFixtures.Body("deployment")).Object;

        Assert.Equal(3, obj["spec"]!["replicas"]!.GetValue<int>());
        var meta = obj["metadata"]!.AsObject();
        Assert.False(meta.ContainsKey("generateName"));
        Assert.False(meta.ContainsKey("generation"));
        Assert.False(meta.ContainsKey("creationTimestamp"));
        Assert.False(obj.ContainsKey("status"));
        Assert.False(obj["spec"]!.AsObject().ContainsKey("paused"));
    }

    [Fact]
    public void Decode_Secret_Base64EncodesDataBytes()
    {
        var obj = ProtobufDecoder.Decode(ProtoFixtures.Body("secret")).Object;

        Assert.Equal(Convert.ToBase64String("admin"u8.ToArray()), obj["data"]!["user"]!.GetValue<string>());
        Assert.Equal(Convert.ToBase64String("s3cr3t!"u8.ToArray()), obj["data"]!["pass"]!.GetValue<string>());
    }

    [Fact]
    public void Decode_Service_TargetPortIsNumberOrString()
    {
        var ports = ProtobufDecoder.Decode(ProtoFixtures.Body("service")).Object["spec"]!["ports"]!.AsArray();

        Assert.Equal(8080, ports[0]!["targetPort"]!.GetValue<int>());
        Assert.Equal("https", ports[1]!["targetPort"]!.GetValue<string>());
    }

    [Fact]
    public void Decode_Ingress_FlattensIngressRuleValue()
    {
        var rule = ProtobufDecoder.Decode(ProtoFixtures.Body("ingress")).Object["spec"]!["rules"]![0]!.AsObject();

        Assert.False(rule.ContainsKey("ingressRuleValue"));
        Assert.NotNull(rule["http"]!["paths"]);
    }

    [Fact]
    public void Decode_Quota_HardQuantitiesAreStrings()
    {
        var hard = ProtobufDecoder.Decode(ProtoFixtures.Body("quota")).Object["spec"]!["hard"]!;

        Assert.Equal("1Gi", hard["memory"]!.GetValue<string>());
        Assert.Equal("500Mi", hard["requests.storage"]!.GetValue<string>());
    }

    [Fact]
    public void Decode_SelfSubjectAccessReviewFromAuthCanI_HasResourceAttributes()
    {
        var (apiVersion, kind, obj) = ProtobufDecoder.Decode(ProtoFixtures.Body("ssar"));

        Assert.Equal(("authorization.k8s.io/v1", "SelfSubjectAccessReview"), (apiVersion, kind));
        var attributes = obj["spec"]!["resourceAttributes"]!;
        Assert.Equal("list", attributes["verb"]!.GetValue<string>());
        Assert.Equal("pods", attributes["resource"]!.GetValue<string>());
        Assert.Equal("kube-system", attributes["namespace"]!.GetValue<string>());
        Assert.Equal("""{"allowed":false}""", obj["status"]!.ToJsonString());
    }

    [Fact]
    public void Decode_TokenRequestFromCreateToken_HasAudiencesAndExpiration()
    {
        var (_, kind, obj) = ProtobufDecoder.Decode(ProtoFixtures.Body("token"));

        Assert.Equal("TokenRequest", kind);
        Assert.Equal("api", obj["spec"]!["audiences"]![0]!.GetValue<string>());
        Assert.Equal(3600, obj["spec"]!["expirationSeconds"]!.GetValue<long>());
    }

    [Fact]
    public void Decode_PointerZero_IsKeptWhileValueZeroIsDropped()
    {
        var spec = new ProtoWriter().Varint(1, 0).Varint(5, 0).Varint(7, 0); // replicas (*int32), minReadySeconds, paused
        var body = ProtoWriter.Envelope("apps/v1", "Deployment", new ProtoWriter().Message(1, new ProtoWriter().String(1, "d")).Message(2, spec));

        var obj = ProtobufDecoder.Decode(body).Object;

        Assert.Equal("""{"replicas":0}""", obj["spec"]!.ToJsonString());
    }

    [Fact]
    public void Decode_PriorityClassValueZero_IsKeptBecauseGoJsonAlwaysWritesIt()
    {
        var body = ProtoWriter.Envelope("scheduling.k8s.io/v1", "PriorityClass",
            new ProtoWriter().Message(1, new ProtoWriter().String(1, "zero")).Varint(2, 0).Varint(3, 0));

        var obj = ProtobufDecoder.Decode(body).Object;

        Assert.Equal(0, obj["value"]!.GetValue<int>());
        Assert.False(obj.ContainsKey("globalDefault"));
    }

    [Fact]
    public void Decode_PdbStatusCounters_AreKeptAsGoJsonWritesThem()
    {
        var obj = ProtobufDecoder.Decode(ProtoFixtures.Body("pdb")).Object;

        Assert.Equal("""{"disruptionsAllowed":0,"currentHealthy":0,"desiredHealthy":0,"expectedPods":0}""", obj["status"]!.ToJsonString());
    }

    [Fact]
    public void Decode_UnknownFieldNumbers_AreSkipped()
    {
        var meta = new ProtoWriter().String(1, "ns1").Varint(999, 7).String(998, "future");
        var body = ProtoWriter.Envelope("v1", "Namespace", new ProtoWriter().Message(1, meta).Varint(77, 1).Message(78, new ProtoWriter().String(1, "x")));

        var obj = ProtobufDecoder.Decode(body).Object;

        Assert.Equal("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns1"}}""", obj.ToJsonString());
    }

    [Fact]
    public void Decode_TimesAndDurations_AreConvertedToTheirJsonForms()
    {
        var seconds = (ulong)new DateTimeOffset(2026, 11, 25, 21, 55, 0, TimeSpan.Zero).ToUnixTimeSeconds();
        var meta = new ProtoWriter().String(1, "l").Message(8, new ProtoWriter().Varint(1, seconds));
        var spec = new ProtoWriter().String(1, "me").Message(3, new ProtoWriter().Varint(1, seconds).Varint(2, 123_456_000));
        var body = ProtoWriter.Envelope("coordination.k8s.io/v1", "Lease", new ProtoWriter().Message(1, meta).Message(2, spec));

        var obj = ProtobufDecoder.Decode(body).Object;

        Assert.Equal("2026-11-25T21:55:00Z", obj["metadata"]!["creationTimestamp"]!.GetValue<string>());
        Assert.Equal("2026-11-25T21:55:00.123456Z", obj["spec"]!["acquireTime"]!.GetValue<string>());
        Assert.Equal("me", obj["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    [Fact]
    public void Decode_ControllerRevisionRawExtension_EmbedsJson()
    {
        var data = new ProtoWriter().Bytes(1, """{"spec":{"replicas":2}}"""u8.ToArray());
        var body = ProtoWriter.Envelope("apps/v1", "ControllerRevision", new ProtoWriter().Message(1, new ProtoWriter().String(1, "r")).Message(2, data).Varint(3, 4));

        var obj = ProtobufDecoder.Decode(body).Object;

        Assert.Equal(2, obj["data"]!["spec"]!["replicas"]!.GetValue<int>());
        Assert.Equal(4, obj["revision"]!.GetValue<long>());
    }

    [Theory]
    [InlineData(0L, "0s")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(3_600_000_000_000L, "1h0m0s")]
    [InlineData(3_723_000_000_000L, "1h2m3s")]
    [InlineData(90_000_000_000L, "1m30s")]
    [InlineData(1_500_000L, "1.5ms")]
    [InlineData(2_000L, "2µs")]
    [InlineData(7L, "7ns")]
    [InlineData(-1_500_000_000L, "-1.5s")]
    public void GoDurationFormat_Nanoseconds_MatchesGo(long nanoseconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(nanoseconds));

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x7b, 0x7d })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00 })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00, 0x0a })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00, 0x0b, 0x00 })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00, 0x00 })]
    public void Decode_Garbage_ThrowsBadRequest(byte[] body)
    {
        var e = Assert.Throws<ApiException>(() => ProtobufDecoder.Decode(body));
        Assert.Equal(400, e.Code);
    }

    [Fact]
    public void Decode_EveryTruncationOfADeployment_ThrowsBadRequest()
    {
        var body = ProtoFixtures.Body("deployment");
        // The last 4 bytes are the empty contentEncoding and contentType fields; cutting them off leaves a valid body.
        for (var length = 0; length < body.Length - 4; length++)
        {
            var e = Assert.Throws<ApiException>(() => ProtobufDecoder.Decode(body.AsSpan(0, length)));
            Assert.Equal(400, e.Code);
        }
    }

    [Theory]
    [InlineData("deployment")]
    [InlineData("service")]
    [InlineData("ingress")]
    [InlineData("quota")]
    [InlineData("cronjob")]
    [InlineData("ssar")]
    public void Decode_RandomCorruption_EitherDecodesOrThrowsBadRequest(string name)
    {
        var original = ProtoFixtures.Body(name);
        var random = new Random(1234);
        for (var i = 0; i < 3000; i++)
        {
            var body = (byte[])original.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--) body[random.Next(4, body.Length)] = (byte)random.Next(256);
            try
            {
                ProtobufDecoder.Decode(body);
            }
            catch (ApiException e)
            {
                Assert.Equal(400, e.Code);
            }
        }
    }

    [Fact]
    public void Decode_UnknownKind_ThrowsBadRequest()
    {
        var body = ProtoWriter.Envelope("example.com/v1", "Widget", new ProtoWriter().Message(1, new ProtoWriter().String(1, "w")));

        var e = Assert.Throws<ApiException>(() => ProtobufDecoder.Decode(body));
        Assert.Equal(400, e.Code);
    }
}
