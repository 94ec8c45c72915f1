using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.Storage.Memory;

namespace Bosun.ApiServer.Tests.Registry;

public sealed class PodBindingTests : IAsyncLifetime
{
    private readonly MemoryStore storage = new();
    private ResourceCatalog catalog = null!;
    private static readonly CancellationToken Ct = CancellationToken.None;
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public async Task InitializeAsync()
    {
        catalog = new ResourceCatalog(BuiltInKinds.Create(), storage, TimeProvider.System);
        await catalog.Get("", "v1", "namespaces").CreateAsync(null, Obj("""{"metadata":{"name":"default"}}"""), new WriteOptions(), Ct);
        await Pods.CreateAsync("default", Obj("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}}"""), new WriteOptions(), Ct);
    }

    public async Task DisposeAsync() => await storage.DisposeAsync();

    private GenericStore Pods => catalog.Get("", "v1", "pods");

    private static JsonObject Obj(string json) => JsonNode.Parse(json)!.AsObject();

    private Task<JsonObject> BindAsync(string node) =>
        Pods.UpdateAsync("default", "p", UpdateKind.Any, pod => PodBinding.Assign(pod, "p", node, null, Now), new WriteOptions(), Ct);

    [Fact]
    public async Task Bind_UnassignedPod_SetsNodeNameAndPodScheduled()
    {
        var pod = await BindAsync("n1");

        Assert.Equal("n1", pod.Obj("spec").Str("nodeName"));
        var condition = pod.Obj("status").Arr("conditions")!.OfType<JsonObject>().Single(c => c.Str("type") == "PodScheduled");
        Assert.Equal("True", condition.Str("status"));
        Assert.Equal("2026-01-02T03:04:05Z", condition.Str("lastTransitionTime"));
        Assert.Equal("Pending", pod.Obj("status").Str("phase"));
    }

    [Fact]
    public async Task Bind_AssignedPod_Conflicts()
    {
        await BindAsync("n1");

        var e = await Assert.ThrowsAsync<ApiException>(() => BindAsync("n2"));

        Assert.Equal(409, e.Code);
        Assert.Equal("Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"n1\"", e.Message);
    }

    [Theory]
    [InlineData("""{"target":{"kind":"Node"}}""")]
    [InlineData("""{"target":{"kind":"Pod","name":"n1"}}""")]
    public void Validate_BadTarget_IsInvalid(string body)
    {
        var e = Assert.Throws<ApiException>(() => PodBinding.Validate(Obj(body), "p"));

        Assert.Equal(422, e.Code);
    }

    [Fact]
    public void Validate_NameMismatch_IsBadRequest()
    {
        var e = Assert.Throws<ApiException>(() => PodBinding.Validate(Obj("""{"metadata":{"name":"q"},"target":{"name":"n1"}}"""), "p"));

        Assert.Equal(400, e.Code);
    }
}
