using System.Text.Json.Nodes;
using Bosun.ApiServer.OpenApi;

namespace Bosun.ApiServer.Tests.OpenApi;

public sealed class OpenApiServiceTests
{
    private static JsonNode V3(string gv)
    {
        Assert.True(TestResources.Service.Value.TryGetV3(gv, out var doc), gv);
        return JsonNode.Parse(doc.Json)!;
    }

    private static JsonObject Schemas(JsonNode doc) => doc["components"]!["schemas"]!.AsObject();

    private static JsonObject Resolve(JsonNode doc, JsonNode schema)
    {
        // Field schemas are either a $ref or allOf:[{$ref}] carrying the description.
        var reference = schema["$ref"] ?? schema["allOf"]?[0]?["$ref"];
        Assert.NotNull(reference);
        var name = reference!.GetValue<string>();
        Assert.StartsWith("#/components/schemas/", name);
        return Schemas(doc)[name["#/components/schemas/".Length..]]!.AsObject();
    }

    [Fact]
    public void ModelDocumentation_Loaded_FromEmbeddedResource()
    {
        var docs = ModelDocumentation.Shared;
        Assert.StartsWith("resource:", docs.Source);
        Assert.True(docs.Count > 4000, docs.Count.ToString());
    }

    [Fact]
    public void CoreV1Document_Pod_HasGvkAndLivenessProbeDescription()
    {
        var doc = V3("api/v1");
        Assert.Equal("3.0.0", doc["openapi"]!.GetValue<string>());
        var pod = Schemas(doc)["io.k8s.api.core.v1.Pod"]!;
        var gvk = pod["x-kubernetes-group-version-kind"]!.AsArray().Single()!;
        Assert.Equal("", gvk["group"]!.GetValue<string>());
        Assert.Equal("v1", gvk["version"]!.GetValue<string>());
        Assert.Equal("Pod", gvk["kind"]!.GetValue<string>());
        Assert.Contains("Pod is a collection of containers", pod["description"]!.GetValue<string>());

        var spec = Resolve(doc, pod["properties"]!["spec"]!);
        var containers = spec["properties"]!["containers"]!;
        Assert.Equal("array", containers["type"]!.GetValue<string>());
        var container = Resolve(doc, containers["items"]!);
        var liveness = container["properties"]!["livenessProbe"]!;
        Assert.Contains("Periodic probe of container liveness", liveness["description"]!.GetValue<string>());
        Assert.DoesNotContain("\n", liveness["description"]!.GetValue<string>());
        Assert.Contains("periodSeconds", Resolve(doc, liveness)["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void CoreV1Document_Metadata_RefsUpstreamObjectMetaName()
    {
        var doc = V3("api/v1");
        var metadata = Schemas(doc)["io.k8s.api.core.v1.Pod"]!["properties"]!["metadata"]!;
        Assert.Equal("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", metadata["allOf"]![0]!["$ref"]!.GetValue<string>());
        Assert.True(Schemas(doc).ContainsKey("io.k8s.api.core.v1.PodSpec"));
        Assert.True(Schemas(doc).ContainsKey("io.k8s.api.core.v1.Container"));
        Assert.True(Schemas(doc).ContainsKey("io.k8s.api.core.v1.NamespaceList"));
    }

    [Fact]
    public void AppsV1Document_Deployment_TemplateIsCorePodTemplateSpec()
    {
        var doc = V3("apis/apps/v1");
        var spec = Resolve(doc, Schemas(doc)["io.k8s.api.apps.v1.Deployment"]!["properties"]!["spec"]!);
        Assert.Equal("#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec", spec["properties"]!["template"]!["allOf"]![0]!["$ref"]!.GetValue<string>());
        Assert.True(Schemas(doc).ContainsKey("io.k8s.api.autoscaling.v1.Scale"));
    }

    [Fact]
    public void Schemas_SpecialTypes_AreTypedRight()
    {
        var doc = V3("api/v1");
        var port = Schemas(doc)["io.k8s.api.core.v1.HTTPGetAction"]!["properties"]!["port"]!;
        var intOrString = Resolve(doc, port);
        Assert.Null(intOrString["type"]);
        Assert.Equal("int-or-string", intOrString["format"]!.GetValue<string>());
        Assert.Equal(["integer", "string"], intOrString["oneOf"]!.AsArray().Select(t => t!["type"]!.GetValue<string>()));

        var limits = Schemas(doc)["io.k8s.api.core.v1.ResourceRequirements"]!["properties"]!["limits"]!;
        Assert.Equal("object", limits["type"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity", limits["additionalProperties"]!["$ref"]!.GetValue<string>());

        Assert.Equal(["string", "number"], Schemas(doc)[SchemaNaming.QuantityName]!["oneOf"]!.AsArray().Select(t => t!["type"]!.GetValue<string>()));

        var meta = Schemas(doc)["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!["properties"]!;
        Assert.Equal("string", meta["labels"]!["additionalProperties"]!["type"]!.GetValue<string>());
        Assert.Equal("date-time", meta["creationTimestamp"]!["format"]!.GetValue<string>());
        Assert.Equal("int64", meta["generation"]!["format"]!.GetValue<string>());
        Assert.True(Schemas(doc)["io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry"]!["properties"]!["fieldsV1"]!["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("api/v1", "/api/v1/namespaces/{namespace}/pods/{name}", "Pod")]
    [InlineData("api/v1", "/api/v1/namespaces/{name}", "Namespace")]
    [InlineData("apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "Deployment")]
    [InlineData("apis/autoscaling/v2", "/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers/{name}", "HorizontalPodAutoscaler")]
    public void PatchOperation_EveryKind_HasFieldValidationAndGvk(string gv, string path, string kind)
    {
        var patch = V3(gv)["paths"]![path]!["patch"]!;
        Assert.Equal(kind, patch["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
        var names = patch["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).ToArray();
        Assert.Contains("fieldValidation", names);
        Assert.Contains("dryRun", names);
        Assert.Contains("fieldManager", names);
        Assert.Contains("force", names);
        var content = patch["requestBody"]!["content"]!.AsObject().Select(c => c.Key).ToArray();
        Assert.Equal(4, content.Length);
        Assert.Contains("application/strategic-merge-patch+json", content);
        Assert.Contains("application/apply-patch+yaml", content);
    }

    [Fact]
    public void Paths_PodVerbs_AllOperationsPresent()
    {
        var paths = V3("api/v1")["paths"]!;
        var collection = paths["/api/v1/namespaces/{namespace}/pods"]!.AsObject();
        Assert.Equal(["get", "post", "delete", "parameters"], collection.Select(p => p.Key));
        Assert.NotNull(paths["/api/v1/pods"]!["get"]);
        Assert.NotNull(paths["/api/v1/namespaces/{namespace}/pods/{name}/status"]!["put"]);
        Assert.NotNull(paths["/api/v1/namespaces/{namespace}/pods/{name}/log"]!["get"]);
        Assert.Equal("Scale", V3("apis/apps/v1")["paths"]!["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]!["patch"]!["x-kubernetes-group-version-kind"]!["kind"]!.GetValue<string>());
    }

    [Fact]
    public void Index_EveryRegisteredGroupVersion_ListedWithHash()
    {
        var svc = TestResources.Service.Value;
        var index = JsonNode.Parse(svc.V3Index.Json)!["paths"]!.AsObject();
        Assert.Equal(["api/v1", "apis/apps/v1", "apis/autoscaling/v2"], index.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (key, value) in index)
        {
            Assert.True(svc.TryGetV3(key, out var doc));
            Assert.Equal($"/openapi/v3/{key}?hash={doc.Hash}", value!["serverRelativeURL"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Hash_SameContentInOtherOrder_Unchanged_AndChangesWithContent()
    {
        var a = new OpenApiService(TestResources.All);
        var b = new OpenApiService(TestResources.All.Reverse());
        var withoutHpa = new OpenApiService([TestResources.Pod, TestResources.Namespace, TestResources.Deployment]);
        var podOnly = new OpenApiService([TestResources.Pod, TestResources.Deployment, TestResources.HpaV2]);
        Assert.True(a.TryGetV3("api/v1", out var a1));
        Assert.True(b.TryGetV3("api/v1", out var b1));
        Assert.Equal(a1.Hash, b1.Hash);
        Assert.Equal(a.V3Index.Hash, b.V3Index.Hash);

        Assert.True(withoutHpa.TryGetV3("api/v1", out var c1));
        Assert.Equal(a1.Hash, c1.Hash);
        Assert.False(withoutHpa.TryGetV3("apis/autoscaling/v2", out _));

        Assert.True(podOnly.TryGetV3("api/v1", out var d1));
        Assert.NotEqual(a1.Hash, d1.Hash);
        Assert.True(podOnly.TryGetV3("apis/apps/v1", out var d2));
        Assert.True(a.TryGetV3("apis/apps/v1", out var a2));
        Assert.Equal(a2.Hash, d2.Hash);
    }

    [Fact]
    public void V2Document_Definitions_HaveGvkAndDefinitionRefs()
    {
        var doc = JsonNode.Parse(TestResources.Service.Value.V2.Json)!;
        Assert.Equal("2.0", doc["swagger"]!.GetValue<string>());
        var definitions = doc["definitions"]!.AsObject();
        Assert.Equal("string", definitions[SchemaNaming.IntOrStringName]!["type"]!.GetValue<string>());
        Assert.Equal("int-or-string", definitions[SchemaNaming.IntOrStringName]!["format"]!.GetValue<string>());
        var deployment = definitions["io.k8s.api.apps.v1.Deployment"]!;
        Assert.Equal("Deployment", deployment["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>());
        Assert.Equal("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", deployment["properties"]!["metadata"]!["$ref"]!.GetValue<string>());
        var patch = doc["paths"]!["/api/v1/namespaces/{namespace}/pods/{name}"]!["patch"]!;
        Assert.Contains("fieldValidation", patch["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()));
        Assert.Contains("application/merge-patch+json", patch["consumes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.DoesNotContain("x-bosun-consumes", System.Text.Encoding.UTF8.GetString(TestResources.Service.Value.V2.Json));
    }

    [Fact]
    public void AllDocuments_EveryRef_Resolves()
    {
        var svc = TestResources.Service.Value;
        foreach (var gv in svc.GroupVersionPaths)
        {
            Assert.True(svc.TryGetV3(gv, out var doc));
            var root = JsonNode.Parse(doc.Json)!;
            foreach (var reference in Refs(root))
            {
                Assert.True(Schemas(root).ContainsKey(reference["#/components/schemas/".Length..]), $"{gv}: {reference}");
            }
        }

        var v2 = JsonNode.Parse(svc.V2.Json)!;
        foreach (var reference in Refs(v2))
        {
            Assert.True(v2["definitions"]!.AsObject().ContainsKey(reference["#/definitions/".Length..]), reference);
        }
    }

    private static IEnumerable<string> Refs(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" ? [p.Value!.GetValue<string>()] : Refs(p.Value)),
        JsonArray a => a.SelectMany(Refs),
        _ => [],
    };
}
