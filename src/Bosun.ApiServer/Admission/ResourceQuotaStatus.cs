using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The resource-quota controller, run inside the API server, keyed by namespace: each ResourceQuota's
/// <c>status.hard</c> is set from its spec and <c>status.used</c> recounted from the namespace's objects, written only
/// when it changed. A namespace is recounted when one of its quotas changes, and, in a namespace with quotas, when an
/// object is created or deleted or an update changes what it uses (a pod finishing, a Service changing type), as
/// upstream's quota monitors replenish.
/// </summary>
internal sealed class ResourceQuotaStatus(IKeyValueStore storage, ResourceCatalog catalog) : Controllers.IWatchedController
{
    /// <summary>Upstream's <c>--resource-quota-sync-period</c>: a full recount as a safety net.</summary>
    public static readonly TimeSpan Resync = TimeSpan.FromMinutes(5);

    // Namespaces seen holding quotas: set on a quota's event or a recount that found one, cleared by a recount that found none.
    private readonly ConcurrentDictionary<string, byte> withQuotas = new(StringComparer.Ordinal);
    private readonly Lazy<NamespacedKeys> keys = new(() => new NamespacedKeys(catalog));

    private ResourceRegistration Quotas => catalog.Get("", "v1", "resourcequotas").Registration;

    public bool Interested(string storageKey) => keys.Value.Split(storageKey) is not null;

    public async Task<long> ListAsync(Action<string> enqueue, CancellationToken ct)
    {
        var all = await storage.RangeAsync(new RangeRequest(Quotas.StoragePrefix), ct).ConfigureAwait(false);
        foreach (var ns in all.Items.Select(kv => keys.Value.Split(kv.Key)!.Value.Namespace).Distinct())
        {
            withQuotas[ns] = 0;
            enqueue(ns);
        }
        return all.Revision;
    }

    public IEnumerable<string> KeysOf(WatchEvent change)
    {
        if (keys.Value.Split(change.Kv.Key) is not { } split) return [];
        if (split.Prefix == Quotas.StoragePrefix)
        {
            if (change.Type == WatchEventType.Put) withQuotas[split.Namespace] = 0;
            return [split.Namespace];
        }
        if (!withQuotas.ContainsKey(split.Namespace)) return [];
        return ChangesUsage(keys.Value.Registrations(split.Prefix), change) ? [split.Namespace] : [];
    }

    /// <summary>Whether a change can move any quota's usage: a create or delete, or an update that changes what the object uses.</summary>
    internal static bool ChangesUsage(IReadOnlyList<ResourceRegistration> regs, WatchEvent change)
    {
        if (change.Type == WatchEventType.Delete || change.PrevKv is not { } prev) return true;
        var before = Json.ParseObject(prev.Value.Span);
        var after = Json.ParseObject(change.Kv.Value.Span);
        return regs.Any(reg => !SameUsage(QuotaUsage.Of(reg, before), QuotaUsage.Of(reg, after)));
    }

    private static bool SameUsage(Dictionary<string, decimal> a, Dictionary<string, decimal> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Recounts every quota of one namespace.</summary>
    public async Task ReconcileAsync(string ns, CancellationToken ct)
    {
        var quotas = catalog.Get("", "v1", "resourcequotas");
        var all = await storage.RangeAsync(new RangeRequest(quotas.Registration.NamespacePrefix(ns)), ct).ConfigureAwait(false);
        if (all.Items.Count == 0)
        {
            withQuotas.TryRemove(ns, out _);
            return;
        }
        // Before counting: an object written after the count must not be filtered out as "no quota here".
        withQuotas[ns] = 0;
        foreach (var kv in all.Items)
        {
            var quota = Json.ParseObject(kv.Value.Span);
            var meta = quota.Obj("metadata");
            var hard = quota.Obj("spec").Obj("hard") ?? [];
            var used = await QuotaUsage.InNamespaceAsync(storage, catalog, ns, hard.Select(h => h.Key), ct).ConfigureAwait(false);
            var status = new JsonObject
            {
                ["hard"] = hard.DeepClone(),
                ["used"] = new JsonObject(hard.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)Quantities.Format(used[h.Key], h.Value?.ToString() ?? "")))),
            };
            if (JsonNode.DeepEquals(status, quota["status"])) continue;
            // Pinned to the quota as it was before the count, as upstream's controller writes: an admission charge since
            // then may be for an object the count missed, so the write is a 409 and the key is recounted after a back-off.
            var countedAt = ObjectCodec.FormatRevision(kv.ModRevision);
            await quotas.UpdateAsync(ns, meta.Str("name")!, UpdateKind.Status, current =>
            {
                current.Obj("metadata")!["resourceVersion"] = countedAt;
                current["status"] = status.DeepClone();
                return current;
            }, new WriteOptions { FieldManager = "resourcequota-controller" }, ct).ConfigureAwait(false);
        }
    }
}
