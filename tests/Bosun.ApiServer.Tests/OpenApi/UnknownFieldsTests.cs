using System.Text.Json.Nodes;
using Bosun.ApiServer.OpenApi;
using k8s.Models;

namespace Bosun.ApiServer.Tests.OpenApi;

public sealed class UnknownFieldsTests
{
    private const string PodDemo = """
        {"apiVersion":"v1","kind":"Pod",
         "metadata":{"name":"pod-demo","namespace":"default","labels":{"app":"myapp","tier":"frontend"}},
         "spec":{"containers":[
           {"name":"myapp","image":"ikubernetes/myapp:v1"},
           {"name":"busybox","image":"busybox:latest","command":["/bin/sh","-c","sleep 3600"]}]}}
        """;

    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment",
         "metadata":{"name":"myapp","labels":{"app":"myapp"},"annotations":{"a":"b"}},
         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"myapp"}},
           "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":"25%"}},
           "template":{"metadata":{"labels":{"app":"myapp"},"creationTimestamp":null},
             "spec":{"containers":[{"name":"myapp","image":"nginx:1.27",
               "ports":[{"containerPort":80,"protocol":"TCP"}],
               "resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":1}},
               "livenessProbe":{"httpGet":{"path":"/","port":"http"},"periodSeconds":10},
               "env":[{"name":"A","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}]}],
               "volumes":[{"name":"v","emptyDir":{}}]}}},
         "status":{}}
        """;

    [Fact]
    public void Find_PodDemoManifest_NoUnknowns() =>
        Assert.Empty(UnknownFields.Find(JsonNode.Parse(PodDemo)!, typeof(V1Pod)));

    [Fact]
    public void Find_DeploymentManifest_NoUnknowns() =>
        Assert.Empty(UnknownFields.Find(JsonNode.Parse(Deployment)!, typeof(V1Deployment)));

    [Fact]
    public void Find_NestedAndListFields_ReportsKubernetesPaths()
    {
        var body = JsonNode.Parse(PodDemo)!;
        body["spec"]!["foo"] = 1;
        body["spec"]!["containers"]![1]!["foo"] = "x";
        body["metadata"]!["labelz"] = new JsonObject();
        body["spec"]!["containers"]![0]!["livenessProbe"] = new JsonObject { ["exec"] = new JsonObject { ["cmd"] = new JsonArray("true") } };

        var unknown = UnknownFields.Find(body, typeof(V1Pod));

        Assert.Equal(["metadata.labelz", "spec.containers[0].livenessProbe.exec.cmd", "spec.containers[1].foo", "spec.foo"], unknown.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Find_TopLevelUnknown_ReportsBareName()
    {
        var body = JsonNode.Parse("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"},"spex":{}}""")!;
        Assert.Equal(["spex"], UnknownFields.Find(body, typeof(V1Namespace)));
    }

    [Fact]
    public void Find_FreeFormFields_AcceptAnything()
    {
        var body = JsonNode.Parse("""
            {"metadata":{"name":"x","managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{"f:anything":{}}}}]},
             "spec":{"containers":[{"name":"c"}]}}
            """)!;
        Assert.Empty(UnknownFields.Find(body, typeof(V1Pod)));
    }

    [Fact]
    public void Find_MapOfObjects_ReportsUnderKey()
    {
        var body = JsonNode.Parse("""{"spec":{"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50,"bogus":1}}}]}}""")!;
        Assert.Equal(["spec.metrics[0].resource.target.bogus"], UnknownFields.Find(body, typeof(V2HorizontalPodAutoscaler)));
    }
}
