using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The resource-quota controller, run inside the API server: every few seconds each ResourceQuota's
/// <c>status.hard</c> is set from its spec and <c>status.used</c> recounted from the namespace's objects (so deleted
/// objects give their share back), written only when it changed.
/// </summary>
internal sealed class ResourceQuotaStatus(IKeyValueStore storage, ResourceCatalog catalog, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    public Task RunAsync(CancellationToken ct) =>
        ApiServer.Bootstrap.PeriodicReconcile.RunAsync(ReconcileAsync, Period, time, logger, "resource quota status", ct);

    internal async Task ReconcileAsync(CancellationToken ct)
    {
        var quotas = catalog.Get("", "v1", "resourcequotas");
        var all = await storage.RangeAsync(new RangeRequest(quotas.Registration.StoragePrefix), ct).ConfigureAwait(false);
        foreach (var kv in all.Items)
        {
            var quota = Json.ParseObject(kv.Value.Span);
            var meta = quota.Obj("metadata");
            var hard = quota.Obj("spec").Obj("hard") ?? [];
            var used = await QuotaUsage.InNamespaceAsync(storage, catalog, meta.Str("namespace")!, hard.Select(h => h.Key), ct).ConfigureAwait(false);
            var status = new JsonObject
            {
                ["hard"] = hard.DeepClone(),
                ["used"] = new JsonObject(hard.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)Quantities.Format(used[h.Key], h.Value?.ToString() ?? "")))),
            };
            if (JsonNode.DeepEquals(status, quota["status"])) continue;
            await quotas.UpdateAsync(meta.Str("namespace"), meta.Str("name")!, UpdateKind.Status, current =>
            {
                current["status"] = status.DeepClone();
                return current;
            }, new WriteOptions { FieldManager = "resourcequota-controller" }, ct).ConfigureAwait(false);
        }
    }
}
