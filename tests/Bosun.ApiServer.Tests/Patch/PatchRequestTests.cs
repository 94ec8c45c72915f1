using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Patch;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.Storage.Memory;

namespace Bosun.ApiServer.Tests.Patch;

public sealed class PatchRequestTests : IAsyncLifetime
{
    private readonly MemoryStore storage = new();
    private ResourceCatalog catalog = null!;
    private static readonly CancellationToken Ct = CancellationToken.None;

    public async Task InitializeAsync()
    {
        catalog = new ResourceCatalog(BuiltInKinds.Create(), storage, TimeProvider.System);
        await catalog.Get("", "v1", "namespaces").CreateAsync(null, JsonNode.Parse("""{"metadata":{"name":"default"}}""")!.AsObject(), new WriteOptions(), Ct);
    }

    public async Task DisposeAsync() => await storage.DisposeAsync();

    private GenericStore ConfigMaps => catalog.Get("", "v1", "configmaps");

    private static ResourceRegistration Registration(Type model) => new()
    {
        Group = "example.com", Version = "v1", Resource = "widgets", Kind = "Widget", Namespaced = true,
        ModelType = model, ListModelType = typeof(object),
    };

    [Fact]
    public void Mutation_StrategicMergeOnModelLessKind_Is415()
    {
        var e = Assert.Throws<ApiException>(() =>
            PatchRequest.Mutation("application/strategic-merge-patch+json", "{}"u8.ToArray(), Registration(typeof(JsonObject))));

        Assert.Equal(415, e.Code);
    }

    [Fact]
    public void Mutation_UnknownMediaType_Is415()
    {
        var e = Assert.Throws<ApiException>(() => PatchRequest.Mutation("text/plain", "{}"u8.ToArray(), ConfigMaps.Registration));

        Assert.Equal(415, e.Code);
    }

    [Fact]
    public void Mutation_StrategicMergeOnBuiltInKind_MergesByModel()
    {
        var mutate = PatchRequest.Mutation("application/strategic-merge-patch+json", """{"data":{"b":"2"}}"""u8.ToArray(), ConfigMaps.Registration);

        var result = mutate(JsonNode.Parse("""{"data":{"a":"1"}}""")!.AsObject());

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"data":{"a":"1","b":"2"}}"""), result));
    }

    [Fact]
    public void CheckForce_OnNonApplyPatch_Is422()
    {
        var e = Assert.Throws<ApiException>(() => PatchRequest.CheckForce("application/merge-patch+json", true));

        Assert.Equal(422, e.Code);
        Assert.Equal("PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch", e.Message);
    }

    [Fact]
    public async Task ApplyAsync_YamlBody_CreatesThenUpdates()
    {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  a: \"1\"\n";

        var (created, wasCreated) = await PatchRequest.ApplyAsync(ConfigMaps, "default", "cm", false, Encoding.UTF8.GetBytes(yaml),
            new WriteOptions { FieldManager = "m" }, false, Ct);
        var (updated, again) = await PatchRequest.ApplyAsync(ConfigMaps, "default", "cm", false, Encoding.UTF8.GetBytes(yaml.Replace("\"1\"", "\"2\"")),
            new WriteOptions { FieldManager = "m" }, false, Ct);

        Assert.True(wasCreated);
        Assert.False(again);
        Assert.Equal("1", created.Obj("data").Str("a"));
        Assert.Equal("2", updated.Obj("data").Str("a"));
        Assert.Equal("default", updated.Obj("metadata").Str("namespace"));
    }

    [Fact]
    public async Task ApplyAsync_NameDiffersFromUrl_Is400()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => PatchRequest.ApplyAsync(ConfigMaps, "default", "cm", false,
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}"""u8.ToArray(), new WriteOptions { FieldManager = "m" }, false, Ct));

        Assert.Equal(400, e.Code);
    }

    [Fact]
    public async Task ApplyAsync_ManagedFieldsInConfig_Is400()
    {
        var e = await Assert.ThrowsAsync<ApiException>(() => PatchRequest.ApplyAsync(ConfigMaps, "default", "cm", false,
            """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","managedFields":[]}}"""u8.ToArray(), new WriteOptions { FieldManager = "m" }, false, Ct));

        Assert.Equal("metadata.managedFields must be nil", e.Message);
    }

    [Theory]
    [InlineData("kubectl/v1.32.5 (linux/amd64) kubernetes/9894294", "kubectl")]
    [InlineData("kubectl.1.32/v1.32.5 (linux/amd64)", "kubectl.1.32")]
    [InlineData("", null)]
    public void FromUserAgent_TakesThePartBeforeTheSlash(string agent, string? expected) =>
        Assert.Equal(expected, ManagedFields.FromUserAgent(agent));
}
