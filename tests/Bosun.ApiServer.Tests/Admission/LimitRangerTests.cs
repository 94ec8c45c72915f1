using System.Text.Json.Nodes;
using Bosun.ApiServer.Admission;

namespace Bosun.ApiServer.Tests.Admission;

public sealed class LimitRangerTests
{
    private static JsonObject Obj(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void ApplyDefaults_KeepsWhatContainerStates_FillsTheRest()
    {
        var pod = Obj("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","resources":{"requests":{"cpu":"50m"}}},{"name":"b"}]}}""");
        var item = Obj("""{"type":"Container","defaultRequest":{"cpu":"100m","memory":"64Mi"},"default":{"cpu":"500m"}}""");

        LimitRanger.ApplyDefaults(pod, [item]);

        var a = pod["spec"]!["containers"]![0]!["resources"]!;
        Assert.Equal("50m", (string?)a["requests"]!["cpu"]);
        Assert.Equal("64Mi", (string?)a["requests"]!["memory"]);
        Assert.Equal("500m", (string?)a["limits"]!["cpu"]);
        Assert.Equal("LimitRanger plugin set: memory request for container a; cpu limit for container a; cpu, memory request for container b; cpu limit for container b",
            (string?)pod["metadata"]!["annotations"]!["kubernetes.io/limit-ranger"]);
    }

    [Fact]
    public void ApplyDefaults_DefaultLimitAlsoServesAsRequest_WhenNoDefaultRequest()
    {
        var pod = Obj("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]}}""");
        LimitRanger.ApplyDefaults(pod, [Obj("""{"type":"Container","default":{"memory":"128Mi"}}""")]);
        Assert.Equal("128Mi", (string?)pod["spec"]!["containers"]![0]!["resources"]!["requests"]!["memory"]);
    }
}

public sealed class QuotaUsageTests
{
    [Fact]
    public void PodUsage_SumsContainers_TakesLargestInitContainer()
    {
        var reg = Bosun.ApiServer.Registry.Kinds.BuiltInKinds.Create().Single(r => r.Group == "" && r.Resource == "pods");
        var pod = (JsonObject)JsonNode.Parse("""
            {"spec":{"initContainers":[{"name":"i","resources":{"requests":{"cpu":"2"}}}],
             "containers":[{"name":"a","resources":{"requests":{"cpu":"250m","memory":"1Gi"},"limits":{"cpu":"1"}}},
                           {"name":"b","resources":{"requests":{"cpu":"250m"}}}]}}
            """)!;

        var usage = QuotaUsage.Of(reg, pod);

        Assert.Equal(2m, usage["requests.cpu"]);
        Assert.Equal(2m, usage["cpu"]);
        Assert.Equal(1073741824m, usage["requests.memory"]);
        Assert.Equal(1m, usage["limits.cpu"]);
        Assert.Equal(1m, usage["pods"]);
        Assert.Equal(1m, usage["count/pods"]);
    }

    [Fact]
    public void FinishedPod_UsesNothing()
    {
        var reg = Bosun.ApiServer.Registry.Kinds.BuiltInKinds.Create().Single(r => r.Group == "" && r.Resource == "pods");
        Assert.Empty(QuotaUsage.Of(reg, (JsonObject)JsonNode.Parse("""{"spec":{},"status":{"phase":"Succeeded"}}""")!));
    }

    [Theory]
    [InlineData(1.5, "2", "1500m")]
    [InlineData(3, "10", "3")]
    [InlineData(134217728, "1Gi", "128Mi")]
    public void Format_PrintsCanonicalQuantities(double value, string like, string expected) =>
        Assert.Equal(expected, Quantities.Format((decimal)value, like));
}
