using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Admission;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.Storage;
using Bosun.Storage.Memory;

namespace Bosun.ApiServer.Tests.Admission;

/// <summary>The resource-quota controller's recount racing the quota admission plugin's charges.</summary>
public sealed class ResourceQuotaStatusTests : IAsyncDisposable
{
    private const string QuotaKey = "/registry/resourcequotas/a/compute";
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly MemoryStore storage = new();
    private readonly ResourceCatalog catalog;

    public ResourceQuotaStatusTests() => catalog = new ResourceCatalog(BuiltInKinds.Create(), storage, TimeProvider.System);

    public ValueTask DisposeAsync() => storage.DisposeAsync();

    private static byte[] Quota(string? usedCpu)
    {
        var quota = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "ResourceQuota",
            ["metadata"] = new JsonObject { ["name"] = "compute", ["namespace"] = "a", ["uid"] = "u1" },
            ["spec"] = new JsonObject { ["hard"] = new JsonObject { ["requests.cpu"] = "1" } },
        };
        if (usedCpu is not null)
            quota["status"] = new JsonObject { ["hard"] = new JsonObject { ["requests.cpu"] = "1" }, ["used"] = new JsonObject { ["requests.cpu"] = usedCpu } };
        return Encoding.UTF8.GetBytes(quota.ToJsonString());
    }

    [Fact]
    public async Task Reconcile_QuotaChargedWhileCounting_ConflictsInsteadOfOverwritingTheCharge()
    {
        await storage.CreateAsync(QuotaKey, Quota(null), Ct);
        // Admission charges the quota for a pod that is not stored yet, after the controller read the quota and while
        // it counts the namespace's pods.
        var charging = new ChargeWhileCountingStore(storage, async () =>
        {
            var read = (await storage.GetAsync(QuotaKey, Ct))!;
            Assert.True((await storage.UpdateAsync(QuotaKey, Quota("600m"), read.ModRevision, Ct)).Succeeded);
        });

        var conflict = await Assert.ThrowsAsync<ApiException>(() => new ResourceQuotaStatus(charging, catalog).ReconcileAsync("a", Ct));

        Assert.Equal(409, conflict.Code);
        var stored = JsonNode.Parse((await storage.GetAsync(QuotaKey, Ct))!.Value.Span)!;
        Assert.Equal("600m", (string?)stored["status"]!["used"]!["requests.cpu"]);
    }

    [Fact]
    public async Task Reconcile_QuotaUnchangedWhileCounting_WritesTheCount()
    {
        await storage.CreateAsync(QuotaKey, Quota(null), Ct);

        await new ResourceQuotaStatus(storage, catalog).ReconcileAsync("a", Ct);

        var stored = JsonNode.Parse((await storage.GetAsync(QuotaKey, Ct))!.Value.Span)!;
        Assert.Equal("0", (string?)stored["status"]!["used"]!["requests.cpu"]);
    }

    /// <summary>Runs <paramref name="charge"/> once, when the pods are first listed.</summary>
    private sealed class ChargeWhileCountingStore(IKeyValueStore inner, Func<Task> charge) : IKeyValueStore
    {
        private Func<Task>? pending = charge;

        public long CompactedRevision => inner.CompactedRevision;
        public Task<long> CurrentRevisionAsync(CancellationToken ct) => inner.CurrentRevisionAsync(ct);
        public Task<KeyValue?> GetAsync(string key, CancellationToken ct) => inner.GetAsync(key, ct);

        public async Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct)
        {
            if (request.Prefix.StartsWith("/registry/pods/", StringComparison.Ordinal) && Interlocked.Exchange(ref pending, null) is { } run)
                await run();
            return await inner.RangeAsync(request, ct);
        }

        public Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct) => inner.CreateAsync(key, value, ct);
        public Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expected, CancellationToken ct) => inner.UpdateAsync(key, value, expected, ct);
        public Task<WriteResult> DeleteAsync(string key, long expected, CancellationToken ct) => inner.DeleteAsync(key, expected, ct);
        public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long after, CancellationToken ct) => inner.WatchAsync(prefix, after, ct);
        public Task CompactAsync(long revision, CancellationToken ct) => inner.CompactAsync(revision, ct);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
