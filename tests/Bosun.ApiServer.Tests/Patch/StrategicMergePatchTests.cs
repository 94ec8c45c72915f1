using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Patch;
using k8s.Models;

namespace Bosun.ApiServer.Tests.Patch;

public sealed class StrategicMergePatchTests
{
    private static JsonObject O(string json) => JsonNode.Parse(json)!.AsObject();

    private static void AssertJson(string expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}\nactual   {actual.ToJsonString()}");

    private static JsonObject Pod(string spec) => O($$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{{spec}}}""");

    public static TheoryData<string, string, string, string> Cases => new()
    {
        {
            "containers merge by name",
            """{"containers":[{"name":"a","image":"x:1"},{"name":"b","image":"y:1"}]}""",
            """{"spec":{"containers":[{"name":"b","image":"y:2"}]}}""",
            """{"containers":[{"name":"a","image":"x:1"},{"name":"b","image":"y:2"}]}"""
        },
        {
            "a new container goes before live-only ones, as mergeSortedSlice puts it",
            """{"containers":[{"name":"a","image":"x"}]}""",
            """{"spec":{"containers":[{"name":"c","image":"z"}]}}""",
            """{"containers":[{"name":"c","image":"z"},{"name":"a","image":"x"}]}"""
        },
        {
            "setElementOrder reorders",
            """{"containers":[{"name":"a","image":"x"},{"name":"b","image":"y"}]}""",
            """{"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"name":"a","image":"x2"}]}}""",
            """{"containers":[{"name":"b","image":"y"},{"name":"a","image":"x2"}]}"""
        },
        {
            "setElementOrder keeps server-only items at their live positions",
            """{"containers":[{"name":"a"},{"name":"s"},{"name":"b"}]}""",
            """{"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"},{"name":"c"}],"containers":[{"name":"c","image":"n"}]}}""",
            """{"containers":[{"name":"a"},{"name":"s"},{"name":"b"},{"name":"c","image":"n"}]}"""
        },
        {
            "patch delete of a container",
            """{"containers":[{"name":"a"},{"name":"side"}]}""",
            """{"spec":{"containers":[{"$patch":"delete","name":"side"}]}}""",
            """{"containers":[{"name":"a"}]}"""
        },
        {
            "patch delete of a port by containerPort",
            """{"containers":[{"name":"a","ports":[{"containerPort":80},{"containerPort":443}]}]}""",
            """{"spec":{"containers":[{"name":"a","ports":[{"$patch":"delete","containerPort":443}]}]}}""",
            """{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}"""
        },
        {
            "env merges by name inside a container",
            """{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}]}]}""",
            """{"spec":{"containers":[{"name":"a","env":[{"name":"B","value":"3"},{"name":"C","value":"4"}]}]}}""",
            """{"containers":[{"name":"a","env":[{"name":"A","value":"1"},{"name":"B","value":"3"},{"name":"C","value":"4"}]}]}"""
        },
        {
            "tolerations have no merge key and are replaced",
            """{"tolerations":[{"key":"a"},{"key":"b"}]}""",
            """{"spec":{"tolerations":[{"key":"c"}]}}""",
            """{"tolerations":[{"key":"c"}]}"""
        },
        {
            "null deletes a field",
            """{"nodeName":"n1","hostNetwork":true}""",
            """{"spec":{"nodeName":null}}""",
            """{"hostNetwork":true}"""
        },
        {
            "patch replace on a map",
            """{"nodeSelector":{"a":"1","b":"2"}}""",
            """{"spec":{"nodeSelector":{"$patch":"replace","c":"3"}}}""",
            """{"nodeSelector":{"c":"3"}}"""
        },
        {
            "patch replace on a list",
            """{"containers":[{"name":"a"},{"name":"b"}]}""",
            """{"spec":{"containers":[{"name":"z","image":"i"},{"$patch":"replace"}]}}""",
            """{"containers":[{"name":"z","image":"i"}]}"""
        },
        {
            "patch delete on a map empties it",
            """{"securityContext":{"runAsUser":1}}""",
            """{"spec":{"securityContext":{"$patch":"delete"}}}""",
            """{"securityContext":{}}"""
        },
        {
            "retainKeys on a volume drops the other source",
            """{"volumes":[{"name":"d","emptyDir":{}}]}""",
            """{"spec":{"volumes":[{"$retainKeys":["hostPath","name"],"name":"d","hostPath":{"path":"/x"}}]}}""",
            """{"volumes":[{"name":"d","hostPath":{"path":"/x"}}]}"""
        },
        {
            "directives in new subtrees are not stored",
            """{}""",
            """{"spec":{"containers":[{"name":"a","env":[{"$patch":"delete","name":"X"},{"name":"Y","value":null}]}]}}""",
            """{"containers":[{"name":"a","env":[{"name":"Y"}]}]}"""
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Apply_PodCase_GivesExpectedSpec(string name, string spec, string patch, string expectedSpec)
    {
        var result = StrategicMergePatch.Apply(Pod(spec), O(patch), typeof(V1Pod));

        Assert.False(string.IsNullOrEmpty(name));
        AssertJson(expectedSpec, result["spec"]!);
    }

    [Fact]
    public void Apply_DeleteFromPrimitiveListFinalizers_RemovesOnlyThose()
    {
        var pod = O("""{"metadata":{"name":"p","finalizers":["a","b","c"]}}""");

        var result = StrategicMergePatch.Apply(pod, O("""{"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}}"""), typeof(V1Pod));

        AssertJson("""["a","c"]""", result["metadata"]!["finalizers"]!);
    }

    [Fact]
    public void Apply_FinalizersPatch_MergesAsSet()
    {
        var pod = O("""{"metadata":{"name":"p","finalizers":["a","b"]}}""");

        var result = StrategicMergePatch.Apply(pod, O("""{"metadata":{"finalizers":["b","c"]}}"""), typeof(V1Pod));

        AssertJson("""["a","b","c"]""", result["metadata"]!["finalizers"]!);
    }

    [Fact]
    public void Apply_StrategySwitchToRecreateWithRetainKeys_DropsRollingUpdate()
    {
        var deployment = O("""{"spec":{"replicas":1,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}}}}""");

        var result = StrategicMergePatch.Apply(deployment,
            O("""{"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"}}}"""), typeof(V1Deployment));

        AssertJson("""{"spec":{"replicas":1,"strategy":{"type":"Recreate"}}}""", result);
    }

    [Fact]
    public void Apply_SetImagePatch_ChangesOnlyTheImage()
    {
        var deployment = O("""{"spec":{"template":{"spec":{"containers":[{"name":"myapp","image":"app:v1","ports":[{"containerPort":80}]}]}}}}""");

        var result = StrategicMergePatch.Apply(deployment,
            O("""{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"myapp"}],"containers":[{"image":"app:v2","name":"myapp"}]}}}}"""),
            typeof(V1Deployment));

        AssertJson("""{"spec":{"template":{"spec":{"containers":[{"name":"myapp","image":"app:v2","ports":[{"containerPort":80}]}]}}}}""", result);
    }

    [Fact]
    public void Apply_ClientSideApplyPatchFromWireDoc_GivesExactObject()
    {
        var live = O("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default","labels":{"app":"web"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"old"}},
             "spec":{"replicas":1,
              "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}},
              "template":{"metadata":{"labels":{"app":"web"}},"spec":{
                "containers":[{"name":"web","image":"nginx:1.14-alpine","env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
                               "ports":[{"containerPort":80,"protocol":"TCP"},{"containerPort":443,"protocol":"TCP"}]},
                              {"name":"side","image":"busybox"}],
                "volumes":[{"name":"data","emptyDir":{}}]}}}}
            """);
        var patch = O("""
            {"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"},"labels":null},
             "spec":{"replicas":3,
              "strategy":{"$retainKeys":["type"],"rollingUpdate":null,"type":"Recreate"},
              "template":{"spec":{
                "$setElementOrder/containers":[{"name":"web"}],
                "$setElementOrder/volumes":[{"name":"data"}],
                "containers":[{"$setElementOrder/env":[{"name":"B"}],"$setElementOrder/ports":[{"containerPort":80}],
                               "env":[{"$patch":"delete","name":"A"}],"image":"nginx:1.15-alpine","name":"web",
                               "ports":[{"$patch":"delete","containerPort":443}]},
                              {"$patch":"delete","name":"side"}],
                "volumes":[{"$retainKeys":["hostPath","name"],"emptyDir":null,"hostPath":{"path":"/srv/data"},"name":"data"}]}}}}
            """);

        var result = StrategicMergePatch.Apply(live, patch, typeof(V1Deployment));

        AssertJson("""
            {"apiVersion":"apps/v1","kind":"Deployment",
             "metadata":{"name":"web","namespace":"default","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"new"}},
             "spec":{"replicas":3,
              "strategy":{"type":"Recreate"},
              "template":{"metadata":{"labels":{"app":"web"}},"spec":{
                "containers":[{"name":"web","image":"nginx:1.15-alpine","env":[{"name":"B","value":"2"}],
                               "ports":[{"containerPort":80,"protocol":"TCP"}]}],
                "volumes":[{"name":"data","hostPath":{"path":"/srv/data"}}]}}}}
            """, result);
    }

    [Fact]
    public void Apply_UnknownModelPlace_BehavesLikeMergePatch()
    {
        var cm = O("""{"data":{"a":"1","b":"2"},"extra":{"list":[1,2],"m":{"x":1}}}""");

        var result = StrategicMergePatch.Apply(cm, O("""{"data":{"a":null,"c":"3"},"extra":{"list":[3],"m":{"y":2}}}"""), typeof(V1ConfigMap));

        AssertJson("""{"data":{"b":"2","c":"3"},"extra":{"list":[3],"m":{"x":1,"y":2}}}""", result);
    }

    [Theory]
    [InlineData("""{"spec":{"containers":[{"image":"x"}]}}""", 400)]
    [InlineData("""{"spec":{"containers":[{"$patch":"bogus","name":"a"}]}}""", 400)]
    [InlineData("""{"spec":{"containers":[{"$patch":"merge","name":"a"}]}}""", 400)]
    [InlineData("""{"spec":{"$setElementOrder/containers":{"name":"a"}}}""", 400)]
    [InlineData("""{"spec":{"$setElementOrder/containers":[{"name":"b"}],"containers":[{"name":"a"}]}}""", 400)]
    [InlineData("""{"spec":{"volumes":[{"$retainKeys":["name"],"name":"a","hostPath":{"path":"/"}}]}}""", 400)]
    [InlineData("""{"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}}""", 400)]
    [InlineData("""{"spec":{"containers":[[1]]}}""", 422)]
    [InlineData("""{"metadata":{"$patch":"nope"}}""", 400)]
    public void Apply_MalformedDirective_ThrowsApiException(string patch, int code)
    {
        var pod = Pod("""{"containers":[{"name":"a"}],"volumes":[{"name":"a","emptyDir":{}}]}""");

        var e = Assert.Throws<ApiException>(() => StrategicMergePatch.Apply(pod, O(patch), typeof(V1Pod)));

        Assert.Equal(code, e.Code);
    }
}
