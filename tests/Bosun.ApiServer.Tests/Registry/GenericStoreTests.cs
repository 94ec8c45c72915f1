using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.Storage.Memory;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class GenericStoreTests : IAsyncLifetime
{
    private readonly MemoryStore storage = new();
    private ResourceCatalog catalog = null!;
    private static readonly CancellationToken Ct = CancellationToken.None;

    public async Task InitializeAsync()
    {
        catalog = new ResourceCatalog(BuiltInKinds.Create(), storage, TimeProvider.System);
        await catalog.Get("", "v1", "namespaces").CreateAsync(null, Obj("""{"metadata":{"name":"default"}}"""), new WriteOptions(), Ct);
    }

    public async Task DisposeAsync() => await storage.DisposeAsync();

    private GenericStore Deployments => catalog.Get("apps", "v1", "deployments");
    private GenericStore Pods => catalog.Get("", "v1", "pods");

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static JsonObject Deployment(string name, int replicas = 1)
    {
        var d = Obj("""
            {"metadata":{"labels":{"app":"web"}},
             "spec":{"selector":{"matchLabels":{"app":"web"}},
                     "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}},
             "status":{"replicas":7}}
            """);
        d.Obj("metadata")!["name"] = name;
        d.Obj("spec")!["replicas"] = replicas;
        return d;
    }

    [Fact]
    public async Task Create_SetsSystemFieldsAndClearsStatus()
    {
        var created = await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);

        var meta = created.Obj("metadata")!;
        Assert.True(Guid.TryParse(meta.Str("uid"), out _));
        Assert.Equal(1, meta.Long("generation"));
        Assert.False(string.IsNullOrEmpty(meta.Str("resourceVersion")));
        Assert.EndsWith("Z", meta.Str("creationTimestamp"));
        Assert.Null(created["status"]);
        Assert.Equal("apps/v1", created.Str("apiVersion"));
    }

    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m1","annotations":{"a":"<&>\u00e9"}},"data":{"k":"v\"q"}}""", "v1", "configmaps")]
    [InlineData("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"m2"},"data":null,"binaryData":{}}""", "v1", "configmaps")]
    [InlineData("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}}""", "apps/v1", "deployments")]
    public async Task CreateServed_AnswerIsTheCreatedObjectSerialized(string json, string groupVersion, string resource)
    {
        var group = groupVersion.Contains('/') ? groupVersion.Split('/')[0] : "";
        var store = catalog.Get(group, "v1", resource);

        var created = await store.CreateServedAsync("default", Obj(json), new WriteOptions { FieldManager = "kubectl-create" }, Ct);

        Assert.NotNull(created.Json);
        Assert.Equal(Encoding.UTF8.GetString(Json.ToBytes(created.Object)), Encoding.UTF8.GetString(created.Json!));
        var stored = await storage.GetAsync(store.Registration.Key("default", created.Object.Obj("metadata").Str("name")!), Ct);
        Assert.Equal(created.Object.Obj("metadata").Str("resourceVersion"), stored!.ModRevision.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain("resourceVersion", Encoding.UTF8.GetString(stored.Value.Span));
    }

    [Theory]
    [InlineData(true, """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry"}}""")]
    [InlineData(false, """{"metadata":{"name":"untyped"}}""")]
    public async Task CreateServed_LeavesTheAnswerToTheCallerForDryRunsAndBodiesWithoutTypeMeta(bool dryRun, string json)
    {
        var created = await catalog.Get("", "v1", "configmaps").CreateServedAsync("default", Obj(json), new WriteOptions { DryRun = dryRun }, Ct);

        Assert.Null(created.Json);
        Assert.Equal("v1", created.Object.Str("apiVersion"));
    }

    [Fact]
    public async Task Create_WithGenerateName_AppendsFiveCharacterSuffix()
    {
        var created = await Pods.CreateAsync("default",
            Obj("""{"metadata":{"generateName":"web-"},"spec":{"containers":[{"name":"c","image":"i"}]}}"""), new WriteOptions(), Ct);

        Assert.Matches("^web-[bcdfghjklmnpqrstvwxz2456789]{5}$", created.Obj("metadata").Str("name"));
    }

    [Fact]
    public async Task Create_WithLongGenerateName_TruncatesBaseTo58Characters()
    {
        var prefix = new string('a', 70) + "-";
        var created = await Pods.CreateAsync("default",
            Obj($$$"""{"metadata":{"generateName":"{{{prefix}}}"},"spec":{"containers":[{"name":"c","image":"i"}]}}"""), new WriteOptions(), Ct);

        Assert.Equal(63, created.Obj("metadata").Str("name")!.Length);
        Assert.StartsWith(new string('a', 58), created.Obj("metadata").Str("name"));
    }

    [Fact]
    public async Task Create_Existing_ThrowsAlreadyExists()
    {
        await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);

        var e = await Assert.ThrowsAsync<ApiException>(() => Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct));

        Assert.Equal(409, e.Code);
        Assert.Equal("deployments.apps \"web\" already exists", e.Message);
    }

    [Fact]
    public async Task Create_InMissingNamespace_ThrowsNamespaceNotFound()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Deployments.CreateAsync("nope", Deployment("web"), new WriteOptions(), Ct));

        Assert.Equal(404, e.Code);
        Assert.Equal("namespaces \"nope\" not found", e.Message);
    }

    [Fact]
    public async Task Update_SpecChange_BumpsGeneration_LabelChangeDoesNot()
    {
        await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);

        var scaled = await Deployments.UpdateAsync("default", "web", UpdateKind.Main,
            d => { d.Obj("spec")!["replicas"] = 3; return d; }, new WriteOptions(), Ct);
        var labelled = await Deployments.UpdateAsync("default", "web", UpdateKind.Main,
            d => { d.Obj("metadata")!.Obj("labels")!["x"] = "y"; return d; }, new WriteOptions(), Ct);

        Assert.Equal(2, scaled.Obj("metadata").Long("generation"));
        Assert.Equal(2, labelled.Obj("metadata").Long("generation"));
    }

    [Fact]
    public async Task Update_WithStaleResourceVersion_ThrowsConflict()
    {
        var created = await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);
        var stale = created.Obj("metadata").Str("resourceVersion");
        await Deployments.UpdateAsync("default", "web", UpdateKind.Main, d => { d.Obj("spec")!["replicas"] = 2; return d; }, new WriteOptions(), Ct);

        var e = await Assert.ThrowsAsync<ApiException>(() => Deployments.UpdateAsync("default", "web", UpdateKind.Main,
            d => { d.Obj("metadata")!["resourceVersion"] = stale; return d; }, new WriteOptions(), Ct));

        Assert.Equal(409, e.Code);
        Assert.Equal("Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again", e.Message);
    }

    [Fact]
    public async Task Update_LosingARaceWithTheReadResourceVersion_RetriesOnTheWinner()
    {
        await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);
        var attempts = 0;

        var updated = await Deployments.UpdateAsync("default", "web", UpdateKind.Main, d =>
        {
            if (++attempts == 1)   // another writer commits between this read and its compare-and-swap
                Deployments.UpdateAsync("default", "web", UpdateKind.Main, o => { o.Obj("metadata")!["labels"] = Obj("""{"other":"writer"}"""); return o; },
                    new WriteOptions(), Ct).GetAwaiter().GetResult();
            d.Obj("spec")!["replicas"] = 4;
            return d;
        }, new WriteOptions(), Ct);

        Assert.Equal(2, attempts);
        Assert.Equal(4, updated.Obj("spec").Long("replicas"));
        Assert.Equal("writer", updated.Obj("metadata").Obj("labels").Str("other"));
    }

    [Fact]
    public async Task Update_LosingARaceWithAPinnedResourceVersion_ThrowsConflict()
    {
        var created = await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);
        var pinned = created.Obj("metadata").Str("resourceVersion");
        var attempts = 0;

        var e = await Assert.ThrowsAsync<ApiException>(() => Deployments.UpdateAsync("default", "web", UpdateKind.Main, d =>
        {
            if (++attempts == 1)
                Deployments.UpdateAsync("default", "web", UpdateKind.Main, o => { o.Obj("spec")!["replicas"] = 2; return o; },
                    new WriteOptions(), Ct).GetAwaiter().GetResult();
            var body = Deployment("web", replicas: 7);
            body.Obj("metadata")!["resourceVersion"] = pinned;
            return body;
        }, new WriteOptions(), Ct));

        Assert.Equal(409, e.Code);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Update_MainResource_IgnoresStatus_StatusSubresourceChangesOnlyStatus()
    {
        await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);

        var main = await Deployments.UpdateAsync("default", "web", UpdateKind.Main,
            d => { d["status"] = Obj("""{"replicas":5}"""); return d; }, new WriteOptions(), Ct);
        var status = await Deployments.UpdateAsync("default", "web", UpdateKind.Status,
            d => { d["status"] = Obj("""{"replicas":5}"""); d.Obj("spec")!["replicas"] = 9; return d; }, new WriteOptions(), Ct);

        Assert.Null(main["status"]);
        Assert.Equal(5, status.Obj("status").Long("replicas"));
        Assert.Equal(1, status.Obj("spec").Long("replicas"));
        Assert.Equal(1, status.Obj("metadata").Long("generation"));
    }

    [Fact]
    public async Task Update_NoChange_WritesNothing()
    {
        var created = await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);

        var same = await Deployments.UpdateAsync("default", "web", UpdateKind.Main, d => d, new WriteOptions(), Ct);

        Assert.Equal(created.Obj("metadata").Str("resourceVersion"), same.Obj("metadata").Str("resourceVersion"));
    }

    [Fact]
    public async Task Delete_WithFinalizer_MarksThenRemovingFinalizerDeletes()
    {
        var d = Deployment("web");
        d.Obj("metadata")!["finalizers"] = new JsonArray("example.com/keep");
        await Deployments.CreateAsync("default", d, new WriteOptions(), Ct);

        var result = await Deployments.DeleteAsync("default", "web", new DeleteOptions(), Ct);
        Assert.False(result.Deleted);
        Assert.NotNull(result.Object.Obj("metadata")!["deletionTimestamp"]);

        await Deployments.UpdateAsync("default", "web", UpdateKind.Main, o => { o.Obj("metadata")!.Remove("finalizers"); return o; }, new WriteOptions(), Ct);
        await Assert.ThrowsAsync<ApiException>(() => Deployments.GetAsync("default", "web", Ct));
    }

    [Fact]
    public async Task Delete_BoundPod_IsGraceful_ThenGraceZeroRemovesIt()
    {
        await Pods.CreateAsync("default",
            Obj("""{"metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"i"}]}}"""), new WriteOptions(), Ct);

        var first = await Pods.DeleteAsync("default", "p", new DeleteOptions(), Ct);
        var second = await Pods.DeleteAsync("default", "p", new DeleteOptions { GracePeriodSeconds = 0 }, Ct);

        Assert.False(first.Deleted);
        Assert.Equal(30, first.Object.Obj("metadata").Long("deletionGracePeriodSeconds"));
        Assert.True(second.Deleted);
    }

    [Fact]
    public async Task Delete_Foreground_RecordsFinalizer()
    {
        await Deployments.CreateAsync("default", Deployment("web"), new WriteOptions(), Ct);

        var result = await Deployments.DeleteAsync("default", "web", new DeleteOptions { PropagationPolicy = "Foreground" }, Ct);

        Assert.False(result.Deleted);
        Assert.Contains(result.Object.Obj("metadata").Arr("finalizers")!, f => f!.ToString() == Deletion.ForegroundFinalizer);
    }

    [Fact]
    public async Task Validate_MissingContainers_IsInvalidWithFieldCause()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() =>
            Pods.CreateAsync("default", Obj("""{"metadata":{"name":"p"},"spec":{}}"""), new WriteOptions(), Ct));

        Assert.Equal(422, e.Code);
        Assert.Equal("Pod \"p\" is invalid: spec.containers: Required value", e.Message);
        Assert.Equal("spec.containers", Assert.Single(e.Causes).Field);
    }

    [Fact]
    public async Task List_PagesAtPinnedRevision_HidesLaterWrites()
    {
        for (var i = 0; i < 5; i++) await Deployments.CreateAsync("default", Deployment($"d{i}"), new WriteOptions(), Ct);

        var first = await Deployments.ListAsync("default", new ListOptions { Limit = 2 }, Ct);
        await Deployments.CreateAsync("default", Deployment("d9"), new WriteOptions(), Ct);
        var second = await Deployments.ListAsync("default", new ListOptions { Limit = 10, Continue = first.Continue }, Ct);

        Assert.Equal(["d0", "d1"], first.Items.Select(i => i.Obj("metadata").Str("name")));
        Assert.Equal(3, first.RemainingItemCount);
        Assert.Equal(["d2", "d3", "d4"], second.Items.Select(i => i.Obj("metadata").Str("name")));
        Assert.Null(second.Continue);
    }

    [Fact]
    public async Task HorizontalPodAutoscaler_V1Create_IsReadAsV2Metric()
    {
        var v1 = catalog.Get("autoscaling", "v1", "horizontalpodautoscalers");
        await v1.CreateAsync("default", Obj("""
            {"metadata":{"name":"h"},"spec":{"scaleTargetRef":{"kind":"Deployment","name":"web","apiVersion":"apps/v1"},
             "minReplicas":2,"maxReplicas":6,"targetCPUUtilizationPercentage":60}}
            """), new WriteOptions(), Ct);

        var v2 = await catalog.Get("autoscaling", "v2", "horizontalpodautoscalers").GetAsync("default", "h", Ct);
        var back = await v1.GetAsync("default", "h", Ct);

        Assert.Equal(60, v2.Obj("spec").Arr("metrics")![0]!.AsObject().Obj("resource").Obj("target").Long("averageUtilization"));
        Assert.Equal(60, back.Obj("spec").Long("targetCPUUtilizationPercentage"));
        Assert.Equal("autoscaling/v1", back.Str("apiVersion"));
    }
}
