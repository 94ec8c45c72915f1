using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Patch;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.Storage.Memory;

namespace Bosun.ApiServer.Tests.Patch;

public sealed class ServerSideApplyTests : IAsyncLifetime
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

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private static string Config(int replicas = 1, string image = "nginx", string labels = "\"app\":\"web\"") =>
        "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"labels\":{" + labels + "}}," +
        "\"spec\":{\"replicas\":" + replicas + ",\"selector\":{\"matchLabels\":{\"app\":\"web\"}}," +
        "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"" + image + "\"}]}}}}";

    private Task<(JsonObject Object, bool Created)> Apply(string manager, string config, bool force = false) =>
        PatchRequest.ApplyAsync(Deployments, "default", "web", false, Encoding.UTF8.GetBytes(config),
            new WriteOptions { FieldManager = manager }, force, Ct);

    private static JsonObject Entry(JsonObject obj, string manager, string operation = "Apply") =>
        obj.Obj("metadata")!.Arr("managedFields")!.OfType<JsonObject>()
            .Single(e => e.Str("manager") == manager && e.Str("operation") == operation);

    private static FieldSet Owned(JsonObject obj, string manager, string operation = "Apply") =>
        FieldSet.FromJson(Entry(obj, manager, operation)["fieldsV1"] as JsonObject);

    [Fact]
    public async Task Apply_Absent_CreatesWithApplyEntry()
    {
        var (obj, created) = await Apply("kubectl", Config(replicas: 2));

        Assert.True(created);
        Assert.Equal(2, obj.Obj("spec").Long("replicas"));
        var entry = Entry(obj, "kubectl");
        Assert.Equal("apps/v1", entry.Str("apiVersion"));
        Assert.Equal("FieldsV1", entry.Str("fieldsType"));
        Assert.EndsWith("Z", entry.Str("time"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"f:metadata":{"f:labels":{"f:app":{}}},
             "f:spec":{"f:replicas":{},"f:selector":{},
                       "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
                                     "f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{}}}}}}}
            """), entry["fieldsV1"]), entry["fieldsV1"]!.ToJsonString());
    }

    [Fact]
    public async Task Apply_Present_MergesIntoLiveAndReturnsUpdated()
    {
        await Apply("kubectl", Config());

        var (obj, created) = await Apply("kubectl", Config(image: "nginx:2"));

        Assert.False(created);
        Assert.Equal("nginx:2", obj.Obj("spec").Obj("template").Obj("spec").Arr("containers")![0]!.AsObject().Str("image"));
        Assert.Single(obj.Obj("metadata")!.Arr("managedFields")!);
    }

    [Fact]
    public async Task Apply_WithoutFieldManager_Is422()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => Apply("", Config()));

        Assert.Equal(422, e.Code);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch", e.Message);
    }

    [Fact]
    public async Task Apply_ValueOwnedByAnotherApplier_ConflictsWith409()
    {
        await Apply("a", Config(replicas: 1));

        var e = await Assert.ThrowsAsync<ApiException>(() => Apply("b", Config(replicas: 2)));

        Assert.Equal(409, e.Code);
        Assert.Equal("Conflict", e.Reason);
        Assert.Equal("Apply failed with 1 conflict: conflict with \"a\": .spec.replicas", e.Message);
        var cause = Assert.Single(e.Causes);
        Assert.Equal(("FieldManagerConflict", "conflict with \"a\"", ".spec.replicas"), (cause.Reason, cause.Message, cause.Field));
    }

    [Fact]
    public async Task Apply_SeveralConflicts_ListsThemPerManager()
    {
        await Apply("a", Config(replicas: 1));

        var e = await Assert.ThrowsAsync<ApiException>(() => Apply("b", Config(replicas: 2, image: "other")));

        Assert.Equal("Apply failed with 2 conflicts: conflicts with \"a\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image", e.Message);
    }

    [Fact]
    public async Task Apply_ValueOwnedByAnUpdater_NamesItWithItsApiVersion()
    {
        await Deployments.CreateAsync("default", Obj(Config()), new WriteOptions { FieldManager = "kubectl-client-side-apply" }, Ct);

        var e = await Assert.ThrowsAsync<ApiException>(() => Apply("kubectl", Config(replicas: 5)));

        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas", e.Message);
    }

    [Fact]
    public async Task Apply_SameValueAsOtherApplier_SharesOwnership()
    {
        await Apply("a", Config(replicas: 1));

        var (obj, _) = await Apply("b", Config(replicas: 1));

        Assert.True(Owned(obj, "a").Contains("f:spec", "f:replicas"));
        Assert.True(Owned(obj, "b").Contains("f:spec", "f:replicas"));
    }

    [Fact]
    public async Task Apply_Forced_TakesOwnershipFromTheOtherManager()
    {
        await Apply("a", Config(replicas: 1));

        var (obj, _) = await Apply("b", Config(replicas: 3), force: true);

        Assert.Equal(3, obj.Obj("spec").Long("replicas"));
        Assert.True(Owned(obj, "b").Contains("f:spec", "f:replicas"));
        Assert.False(Owned(obj, "a").Contains("f:spec", "f:replicas"));
        Assert.True(Owned(obj, "a").Contains("f:spec", "f:selector"));
    }

    [Fact]
    public async Task Apply_FieldNoLongerApplied_IsRemoved()
    {
        await Apply("a", Config(labels: "\"app\":\"web\",\"tier\":\"front\""));

        var (obj, _) = await Apply("a", Config());

        Assert.Null(obj.Obj("metadata").Obj("labels")!["tier"]);
        Assert.False(Owned(obj, "a").Contains("f:metadata", "f:labels", "f:tier"));
    }

    [Fact]
    public async Task Apply_FieldNoLongerAppliedButOwnedByAnother_IsKept()
    {
        await Apply("a", Config(labels: "\"app\":\"web\",\"tier\":\"front\""));
        await Apply("b", """{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"tier":"front"}}}""");

        var (obj, _) = await Apply("a", Config());

        Assert.Equal("front", obj.Obj("metadata").Obj("labels").Str("tier"));
    }

    [Fact]
    public async Task Apply_ContainerNoLongerApplied_IsRemovedFromTheList()
    {
        await Apply("a", Config().Replace("""[{"name":"web","image":"nginx"}]""", """[{"name":"web","image":"nginx"},{"name":"side","image":"busybox"}]"""));

        var (obj, _) = await Apply("a", Config());

        var containers = obj.Obj("spec").Obj("template").Obj("spec").Arr("containers")!;
        Assert.Equal(["web"], containers.Select(c => c!.AsObject().Str("name")));
    }

    [Fact]
    public async Task Update_NonApplyWrites_RecordUpdateEntriesPerManager()
    {
        var created = await Deployments.CreateAsync("default", Obj(Config()), new WriteOptions { FieldManager = "kubectl-create" }, Ct);
        Assert.True(Owned(created, "kubectl-create", "Update").Contains("f:spec", "f:replicas"));
        Assert.True(Owned(created, "kubectl-create", "Update").Contains("f:metadata", "f:labels"));

        var labeled = await Deployments.UpdateAsync("default", "web", UpdateKind.Main, current =>
        {
            current.Obj("metadata")!.Obj("labels")!["app"] = "web2";
            return current;
        }, new WriteOptions { FieldManager = "kubectl-label" }, Ct);

        var entry = Entry(labeled, "kubectl-label", "Update");
        Assert.Equal("apps/v1", entry.Str("apiVersion"));
        Assert.True(Owned(labeled, "kubectl-label", "Update").Contains("f:metadata", "f:labels", "f:app"));
        Assert.False(Owned(labeled, "kubectl-create", "Update").Contains("f:metadata", "f:labels", "f:app"));
    }

    [Fact]
    public async Task Update_ExplicitManagedFields_AreStoredAsGiven()
    {
        await Deployments.CreateAsync("default", Obj(Config()), new WriteOptions { FieldManager = "kubectl-client-side-apply" }, Ct);
        var given = JsonNode.Parse("""
            [{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1",
              "fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{}}}}]
            """)!;

        var updated = await Deployments.UpdateAsync("default", "web", UpdateKind.Main,
            current => (JsonObject)JsonPatch.Apply(current, new JsonArray(new JsonObject
            {
                ["op"] = "replace", ["path"] = "/metadata/managedFields", ["value"] = given.DeepClone(),
            })), new WriteOptions { FieldManager = "kubectl" }, Ct);

        Assert.True(JsonNode.DeepEquals(given, updated.Obj("metadata")!["managedFields"]), updated.Obj("metadata")!["managedFields"]!.ToJsonString());
        var stored = await Deployments.GetAsync("default", "web", Ct);
        Assert.True(JsonNode.DeepEquals(given, stored.Obj("metadata")!["managedFields"]));
    }

    [Fact]
    public async Task Apply_AfterClientSideApplyMigration_OwnsTheMigratedFields()
    {
        await Deployments.CreateAsync("default", Obj(Config()), new WriteOptions { FieldManager = "kubectl-client-side-apply" }, Ct);
        await Deployments.UpdateAsync("default", "web", UpdateKind.Main, current =>
        {
            var entries = current.Obj("metadata")!.Arr("managedFields")!;
            foreach (var e in entries.OfType<JsonObject>()) { e["manager"] = "kubectl"; e["operation"] = "Apply"; }
            return current;
        }, new WriteOptions { FieldManager = "kubectl" }, Ct);

        var (obj, _) = await Apply("kubectl", Config(replicas: 4));

        Assert.Equal(4, obj.Obj("spec").Long("replicas"));
        Assert.Single(obj.Obj("metadata")!.Arr("managedFields")!);
    }

    private async Task CreateClientSideApplied(int replicas, int lastAppliedReplicas)
    {
        var csa = Obj(Config(replicas: replicas));
        csa.Obj("metadata")!["annotations"] = new JsonObject
        {
            ["kubectl.kubernetes.io/last-applied-configuration"] = Config(replicas: lastAppliedReplicas) + "\n",
        };
        await Deployments.CreateAsync("default", csa, new WriteOptions { FieldManager = "kubectl-client-side-apply" }, Ct);
    }

    [Fact]
    public async Task Apply_KubectlOverClientSideAppliedValues_TakesThemOverWithoutConflict()
    {
        await CreateClientSideApplied(replicas: 1, lastAppliedReplicas: 1);

        var (obj, _) = await Apply("kubectl", Config(replicas: 3));

        Assert.Equal(3, obj.Obj("spec").Long("replicas"));
        Assert.True(Owned(obj, "kubectl").Contains("f:spec", "f:replicas"));
        Assert.False(Owned(obj, "kubectl-client-side-apply", "Update").Contains("f:spec", "f:replicas"));
    }

    [Fact]
    public async Task Apply_ClientSideAppliedValueSinceChanged_OrOtherManager_StillConflicts()
    {
        // The live replicas (2) no longer match the last-applied ones (1): not the client-side apply's value any more.
        await CreateClientSideApplied(replicas: 2, lastAppliedReplicas: 1);

        var changed = await Assert.ThrowsAsync<ApiException>(() => Apply("kubectl", Config(replicas: 3)));
        Assert.Equal("Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas", changed.Message);
        // Only the "kubectl" manager gets the upgrade.
        await Assert.ThrowsAsync<ApiException>(() => Apply("other", Config(replicas: 3)));
    }

    [Fact]
    public async Task Apply_KubectlMigrationSequence_KeepsLastAppliedOwnedByKubectlLastApplied()
    {
        const string key = "kubectl.kubernetes.io/last-applied-configuration";
        var csa = Obj(Config());
        csa.Obj("metadata")!["annotations"] = new JsonObject { [key] = "{}" };
        await Deployments.CreateAsync("default", csa, new WriteOptions { FieldManager = "kubectl-client-side-apply" }, Ct);
        await Apply("kubectl", Config());
        await Apply("kubectl-last-applied",
            "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\",\"annotations\":{\"" + key + "\":\"{}\"}}}");
        // What kubectl's csaupgrade sends: the client-side-apply fields folded into the "kubectl" applier.
        await Deployments.UpdateAsync("default", "web", UpdateKind.Main, current =>
        {
            var entries = current.Obj("metadata")!.Arr("managedFields")!.OfType<JsonObject>().ToList();
            var csaEntry = entries.Single(e => e.Str("manager") == "kubectl-client-side-apply");
            var kubectl = entries.Single(e => e.Str("manager") == "kubectl");
            var union = FieldSet.FromJson(kubectl["fieldsV1"] as JsonObject).Union(FieldSet.FromJson(csaEntry["fieldsV1"] as JsonObject));
            kubectl["fieldsV1"] = union.ToJson();
            current.Obj("metadata")!["managedFields"] = new JsonArray(kubectl.DeepClone(),
                entries.Single(e => e.Str("manager") == "kubectl-last-applied").DeepClone());
            return current;
        }, new WriteOptions { FieldManager = "kubectl" }, Ct);

        var (obj, _) = await Apply("kubectl", Config());

        Assert.Equal("{}", obj.Obj("metadata").Obj("annotations").Str(key));
        Assert.True(Owned(obj, "kubectl-last-applied").Contains("f:metadata", "f:annotations", "f:" + key));
        Assert.False(Owned(obj, "kubectl").Contains("f:metadata", "f:annotations", "f:" + key));
        Assert.Equal(2, obj.Obj("metadata")!.Arr("managedFields")!.Count);
    }

    [Fact]
    public void Merge_AssociativeList_KeepsLiveOnlyItemsInPlaceAndFollowsConfigOrder()
    {
        var live = Obj("""{"spec":{"containers":[{"name":"a","image":"1"},{"name":"x"},{"name":"b"}]}}""");

        FieldWalker.Merge(live, Obj("""{"spec":{"containers":[{"name":"b","image":"2"},{"name":"a","image":"3"},{"name":"c"}]}}"""),
            ModelSchema.Of(typeof(k8s.Models.V1Pod)), FieldScope.Everything);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""[{"name":"x"},{"name":"b","image":"2"},{"name":"a","image":"3"},{"name":"c"}]"""),
            live.Obj("spec")!["containers"]), live.ToJsonString());
    }

    [Fact]
    public async Task Update_ManagedFieldsSetToOneEmptyEntry_StripsThem()
    {
        await Apply("a", Config());

        var updated = await Deployments.UpdateAsync("default", "web", UpdateKind.Main, current =>
        {
            current.Obj("metadata")!["managedFields"] = new JsonArray(new JsonObject());
            return current;
        }, new WriteOptions { FieldManager = "stripper" }, Ct);

        Assert.Null(updated.Obj("metadata")!["managedFields"]);
    }

    [Fact]
    public async Task Update_MoreThanTenUpdaters_FoldsTheOldestIntoAncientChanges()
    {
        await Deployments.CreateAsync("default", Obj(Config()), new WriteOptions { FieldManager = "creator" }, Ct);

        JsonObject last = null!;
        for (var i = 0; i < 11; i++)
        {
            var n = i;
            last = await Deployments.UpdateAsync("default", "web", UpdateKind.Main, current =>
            {
                current.Obj("metadata")!.Obj("labels")!["l" + n] = "v";
                return current;
            }, new WriteOptions { FieldManager = "writer-" + n }, Ct);
        }

        var managers = last.Obj("metadata")!.Arr("managedFields")!.Select(e => e!["manager"]!.GetValue<string>()).ToList();
        Assert.Equal(10, managers.Count);
        Assert.Contains("ancient-changes", managers);
        Assert.Contains("writer-10", managers);
    }
}
