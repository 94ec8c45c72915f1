using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Microsoft.AspNetCore.Http;
using static Bosun.ApiServer.Tests.Registry.StoreFixture;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class SubresourceTests : IAsyncLifetime
{
    private StoreFixture f = null!;
    private readonly ScaleHandler scales = new(new ResponseWriter(TimeProvider.System));
    private readonly EvictionHandler evictions = new(new ResponseWriter(TimeProvider.System));

    public async Task InitializeAsync()
    {
        f = await StartAsync();
        await f.CreateAsync("apps", "deployments", """
            {"metadata":{"name":"web"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web","tier":"fe"}},
             "template":{"metadata":{"labels":{"app":"web","tier":"fe"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);
    }

    public async Task DisposeAsync() => await f.Storage.DisposeAsync();

    private GenericStore Deployments => f.Store("apps", "deployments");

    private static DefaultHttpContext Context(string? body = null, string contentType = "application/json", string query = "")
    {
        var ctx = new DefaultHttpContext();
        ctx.Request.QueryString = new QueryString(query);
        ctx.Request.Query = new QueryCollection(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(query));
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            ctx.Request.Body = new MemoryStream(bytes);
            ctx.Request.ContentLength = bytes.Length;
            ctx.Request.ContentType = contentType;
        }
        ctx.Response.Body = new MemoryStream();
        return ctx;
    }

    private static JsonObject Response(HttpContext ctx) =>
        JsonNode.Parse(((MemoryStream)ctx.Response.Body).ToArray())!.AsObject();

    [Fact]
    public async Task ScaleGet_Deployment_ReturnsAutoscalingV1Scale()
    {
        var ctx = Context();

        await scales.HandleAsync(ctx, Deployments, "default", "web", "get", new WriteOptions(), Ct);

        var scale = Response(ctx);
        var deployment = await Deployments.GetAsync("default", "web", Ct);
        Assert.Equal(200, ctx.Response.StatusCode);
        Assert.Equal("Scale", scale.Str("kind"));
        Assert.Equal("autoscaling/v1", scale.Str("apiVersion"));
        Assert.Equal(deployment.Obj("metadata").Str("uid"), scale.Obj("metadata").Str("uid"));
        Assert.Equal(deployment.Obj("metadata").Str("resourceVersion"), scale.Obj("metadata").Str("resourceVersion"));
        Assert.Equal("default", scale.Obj("metadata").Str("namespace"));
        Assert.NotNull(scale.Obj("metadata").Str("creationTimestamp"));
        Assert.Equal(2, scale.Obj("spec").Long("replicas"));
        Assert.Equal("""{"replicas":0,"selector":"app=web,tier=fe"}""", scale["status"]!.ToJsonString());
    }

    [Fact]
    public async Task ScalePut_WithCurrentVersion_UpdatesReplicas()
    {
        var rv = (await Deployments.GetAsync("default", "web", Ct)).Obj("metadata").Str("resourceVersion");
        var ctx = Context($$$"""{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","resourceVersion":"{{{rv}}}"},"spec":{"replicas":5}}""");

        await scales.HandleAsync(ctx, Deployments, "default", "web", "update", new WriteOptions(), Ct);

        Assert.Equal(5, Response(ctx).Obj("spec").Long("replicas"));
        var deployment = await Deployments.GetAsync("default", "web", Ct);
        Assert.Equal(5, deployment.Obj("spec").Long("replicas"));
        Assert.Equal(2, deployment.Obj("metadata").Long("generation"));
    }

    [Fact]
    public async Task ScalePut_WithStaleVersion_Conflicts()
    {
        var ctx = Context("""{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web","resourceVersion":"1"},"spec":{"replicas":5}}""");

        var e = await Assert.ThrowsAsync<ApiException>(() => scales.HandleAsync(ctx, Deployments, "default", "web", "update", new WriteOptions(), Ct));

        Assert.Equal(409, e.Code);
        Assert.Equal("Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again", e.Message);
    }

    [Fact]
    public async Task ScalePut_NegativeReplicas_IsInvalidScale()
    {
        var ctx = Context("""{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"web"},"spec":{"replicas":-1}}""");

        var e = await Assert.ThrowsAsync<ApiException>(() => scales.HandleAsync(ctx, Deployments, "default", "web", "update", new WriteOptions(), Ct));

        Assert.Equal(422, e.Code);
        Assert.Equal("Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0", e.Message);
    }

    [Theory]
    [InlineData("application/merge-patch+json", """{"spec":{"replicas":7}}""")]
    [InlineData("application/strategic-merge-patch+json", """{"spec":{"replicas":7}}""")]
    [InlineData("application/json-patch+json", """[{"op":"replace","path":"/spec/replicas","value":7}]""")]
    public async Task ScalePatch_AnyPatchType_UpdatesReplicas(string contentType, string patch)
    {
        var ctx = Context(patch, contentType);

        await scales.HandleAsync(ctx, Deployments, "default", "web", "patch", new WriteOptions(), Ct);

        Assert.Equal(7, Response(ctx).Obj("spec").Long("replicas"));
        Assert.Equal(7, (await Deployments.GetAsync("default", "web", Ct)).Obj("spec").Long("replicas"));
    }

    [Fact]
    public async Task ScalePatch_DryRun_ChangesNothing()
    {
        var ctx = Context("""{"spec":{"replicas":9}}""", "application/merge-patch+json");

        await scales.HandleAsync(ctx, Deployments, "default", "web", "patch", new WriteOptions { DryRun = true }, Ct);

        Assert.Equal(9, Response(ctx).Obj("spec").Long("replicas"));
        Assert.Equal(2, (await Deployments.GetAsync("default", "web", Ct)).Obj("spec").Long("replicas"));
    }

    [Fact]
    public async Task ScaleGet_ReplicationControllerAtZero_UsesMapSelectorAndEmptySpec()
    {
        await f.CreateAsync("", "replicationcontrollers", """
            {"metadata":{"name":"rc"},"spec":{"replicas":0,"template":{"metadata":{"labels":{"b":"2","a":"1"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}
            """);
        var ctx = Context();

        await scales.HandleAsync(ctx, f.Store("", "replicationcontrollers"), "default", "rc", "get", new WriteOptions(), Ct);

        Assert.Equal("{}", Response(ctx)["spec"]!.ToJsonString());
        Assert.Equal("a=1,b=2", Response(ctx).Obj("status").Str("selector"));
    }

    [Fact]
    public void ScaleSelector_WithExpressions_PrintsSortedByKey()
    {
        var d = Obj("""
            {"metadata":{"name":"x"},"spec":{"selector":{"matchLabels":{"app":"web"},"matchExpressions":[
              {"key":"tier","operator":"In","values":["fe","be"]},{"key":"env","operator":"NotIn","values":["prod"]},
              {"key":"canary","operator":"DoesNotExist"},{"key":"zone","operator":"Exists"}]}}}
            """);

        var scale = ScaleConversion.ToScale(d, f.Store("apps", "deployments").Registration);

        Assert.Equal("app=web,!canary,env notin (prod),tier in (be,fe),zone", scale.Obj("status").Str("selector"));
    }

    [Fact]
    public async Task Evict_Pod_DeletesItAndAnswers201Success()
    {
        await f.CreateAsync("", "pods", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}""");
        var ctx = Context("""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p","namespace":"default"},"deleteOptions":{}}""");

        await evictions.HandleAsync(ctx, f.Store("", "pods"), "default", "p", Ct);

        Assert.Equal(201, ctx.Response.StatusCode);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success"}""", Response(ctx).ToJsonString());
        await Assert.ThrowsAsync<ApiException>(() => f.Store("", "pods").GetAsync("default", "p", Ct));
    }

    [Fact]
    public async Task Evict_BoundPod_UsesGracePeriodFromDeleteOptions()
    {
        await f.CreateAsync("", "pods", """{"metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}""");
        var ctx = Context("""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"p"},"deleteOptions":{"gracePeriodSeconds":5}}""");

        await evictions.HandleAsync(ctx, f.Store("", "pods"), "default", "p", Ct);

        var pod = await f.Store("", "pods").GetAsync("default", "p", Ct);
        Assert.Equal(5, pod.Obj("metadata").Long("deletionGracePeriodSeconds"));
    }

    [Fact]
    public async Task Evict_NameMismatch_IsBadRequest()
    {
        var ctx = Context("""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"other"}}""");

        var e = await Assert.ThrowsAsync<ApiException>(() => evictions.HandleAsync(ctx, f.Store("", "pods"), "default", "p", Ct));

        Assert.Equal(400, e.Code);
        Assert.Equal("name in URL does not match name in Eviction object", e.Message);
    }

    [Fact]
    public async Task Evict_MissingPod_IsNotFound()
    {
        var ctx = Context("""{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"gone"}}""");

        var e = await Assert.ThrowsAsync<ApiException>(() => evictions.HandleAsync(ctx, f.Store("", "pods"), "default", "gone", Ct));

        Assert.Equal(404, e.Code);
    }

    [Fact]
    public void Discovery_Pods_ListsEvictionBeforeStatus()
    {
        var discovery = new Discovery(BuiltInKinds.Create());

        Assert.True(discovery.TryGetResourceList("v1", out var body));
        var resources = JsonNode.Parse(body)!["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.True(resources.IndexOf("pods/eviction") == resources.IndexOf("pods") + 1);
        var eviction = JsonNode.Parse(body)!["resources"]!.AsArray().First(r => r!["name"]!.GetValue<string>() == "pods/eviction")!;
        Assert.Equal("""{"name":"pods/eviction","singularName":"","namespaced":true,"group":"policy","version":"v1","kind":"Eviction","verbs":["create"]}""",
            eviction.ToJsonString());
    }
}
