using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry.Defaulting;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class ServiceAccountTokenVolumeTests
{
    private static JsonObject Pod(string spec, string metadata = """{"name":"p"}""") =>
        JsonNode.Parse($$"""{"metadata":{{metadata}},"spec":{{spec}}}""")!.AsObject();

    [Fact]
    public void Apply_PlainPod_AddsProjectedVolumeMountedReadOnlyInEveryContainer()
    {
        var pod = Pod("""{"initContainers":[{"name":"i"}],"containers":[{"name":"a"},{"name":"b"}]}""");

        ServiceAccountTokenVolume.Apply(pod);

        var volume = Assert.Single(pod["spec"]!["volumes"]!.AsArray())!;
        var name = (string)volume["name"]!;
        Assert.Matches("^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$", name);
        Assert.Equal(420, (int)volume["projected"]!["defaultMode"]!);
        Assert.Equal("""[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}]""",
            volume["projected"]!["sources"]!.ToJsonString());
        foreach (var c in pod["spec"]!["containers"]!.AsArray().Concat(pod["spec"]!["initContainers"]!.AsArray()))
            Assert.Equal($$"""[{"name":"{{name}}","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]""", c!["volumeMounts"]!.ToJsonString());
    }

    [Fact]
    public void Apply_AutomountFalse_AddsNothing()
    {
        var pod = Pod("""{"automountServiceAccountToken":false,"containers":[{"name":"a"}]}""");
        ServiceAccountTokenVolume.Apply(pod);
        Assert.Null(pod["spec"]!["volumes"]);
        Assert.Null(pod["spec"]!["containers"]![0]!["volumeMounts"]);
    }

    [Fact]
    public void Apply_MirrorPod_AddsNothing()
    {
        var pod = Pod("""{"containers":[{"name":"a"}]}""", """{"name":"p","annotations":{"kubernetes.io/config.mirror":"x"}}""");
        ServiceAccountTokenVolume.Apply(pod);
        Assert.Null(pod["spec"]!["volumes"]);
    }

    [Fact]
    public void Apply_EveryContainerMountsThePathItself_AddsNoVolume()
    {
        var pod = Pod("""{"containers":[{"name":"a","volumeMounts":[{"name":"own","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}]}],"volumes":[{"name":"own","emptyDir":{}}]}""");
        ServiceAccountTokenVolume.Apply(pod);
        Assert.Single(pod["spec"]!["volumes"]!.AsArray());
        Assert.Single(pod["spec"]!["containers"]![0]!["volumeMounts"]!.AsArray());
    }

    [Fact]
    public void Apply_ExistingKubeApiAccessVolume_IsReusedNotDuplicated()
    {
        var pod = Pod("""{"containers":[{"name":"a"}],"volumes":[{"name":"kube-api-access-abcde","projected":{"sources":[]}}]}""");
        ServiceAccountTokenVolume.Apply(pod);
        Assert.Single(pod["spec"]!["volumes"]!.AsArray());
        Assert.Equal("kube-api-access-abcde", (string)pod["spec"]!["containers"]![0]!["volumeMounts"]![0]!["name"]!);
    }
}
