using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The ResourceQuota plugin, on create: each quota of the namespace that limits something the new object uses must
/// have room for it, or the write is refused in Kubernetes' words (<c>exceeded quota: …</c>, <c>failed quota: …: must
/// specify …</c>); then the usage is charged to <c>status.used</c> with compare-and-swap, so concurrent creates
/// cannot both take the last unit. The quota controller later recounts from the objects. Namespaces the
/// <see cref="QuotaIndex"/> knows to hold no quota are skipped without reading storage.
/// </summary>
internal sealed class ResourceQuotaAdmission(IKeyValueStore storage, ResourceCatalog catalog) : IAdmissionPlugin
{
    public async Task ValidateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (!request.IsCreate || request.Subresource.Length > 0 || !request.Registration.Namespaced || request.Namespace is not { } ns) return;
        var quotas = catalog.Get("", "v1", "resourcequotas");
        // A quota being created must be seen by the creates that follow it, before the watch has delivered it.
        if (request.Is("", "resourcequotas")) catalog.Quotas.Expect(ns);
        // Most namespaces have no quota: the index answers that without a storage read (upstream's quota lister).
        if (!catalog.Quotas.MayHaveQuotas(ns)) return;
        var listed = await storage.RangeAsync(new RangeRequest(quotas.Registration.NamespacePrefix(ns)), ct).ConfigureAwait(false);
        if (listed.Items.Count == 0) return;
        var usage = QuotaUsage.Of(request.Registration, request.Object);
        foreach (var kv in listed.Items)
        {
            var quota = Json.ParseObject(kv.Value.Span);
            var hard = quota.Obj("spec").Obj("hard");
            if (hard is null || !Scopes.Match(quota, request)) continue;
            var name = quota.Obj("metadata").Str("name")!;
            if (request.Is("", "pods")) CheckConstraints(request, name, hard);
            var charged = usage.Where(u => hard.ContainsKey(u.Key)).ToDictionary(u => u.Key, u => u.Value, StringComparer.Ordinal);
            if (charged.Count == 0) continue;
            var known = quota.Obj("status").Obj("used");
            var used = known is not null && charged.Keys.All(known.ContainsKey)
                ? charged.Keys.ToDictionary(k => k, k => Quantities.Of(known, k) ?? 0, StringComparer.Ordinal)
                : await QuotaUsage.InNamespaceAsync(storage, catalog, ns, charged.Keys, ct).ConfigureAwait(false);
            Check(request, name, hard, charged, used);
            if (!request.DryRun) await ChargeAsync(quotas, request, ns, name, charged, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Upstream's pod Constraints: a quota on compute resources needs every container to state them.</summary>
    private static void CheckConstraints(AdmissionRequest request, string quota, JsonObject hard)
    {
        var required = QuotaUsage.PodComputeNames.Where(hard.ContainsKey).ToHashSet(StringComparer.Ordinal);
        if (required.Count == 0) return;
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var spec = request.Object.Obj("spec");
        foreach (var field in (string[])["initContainers", "containers"])
            foreach (var c in spec?[field] is JsonArray a ? a.OfType<JsonObject>() : [])
            {
                var has = QuotaUsage.Container(c);
                foreach (var r in required) if (!has.ContainsKey(r)) missing.Add(r);
            }
        if (missing.Count > 0)
            throw Forbidden(request, $"failed quota: {quota}: must specify {string.Join(",", missing)}");
    }

    private static void Check(AdmissionRequest request, string quota, JsonObject hard, Dictionary<string, decimal> charged, Dictionary<string, decimal> used)
    {
        var exceeded = charged.Keys
            .Where(k => Quantities.Of(hard, k) is { } limit && used.GetValueOrDefault(k) + charged[k] > limit)
            .Order(StringComparer.Ordinal).ToList();
        if (exceeded.Count == 0) return;
        string Print(Func<string, string> value) => string.Join(",", exceeded.Select(k => $"{k}={value(k)}"));
        var like = (string k) => hard[k]!.ToString();
        throw Forbidden(request, $"exceeded quota: {quota}, requested: {Print(k => Quantities.Format(charged[k], like(k)))}, " +
            $"used: {Print(k => Quantities.Format(used.GetValueOrDefault(k), like(k)))}, limited: {Print(k => Quantities.Canonical(like(k)))}");
    }

    private static async Task ChargeAsync(GenericStore quotas, AdmissionRequest request, string ns, string name, Dictionary<string, decimal> charged,
        CancellationToken ct)
    {
        try
        {
            await quotas.UpdateAsync(ns, name, UpdateKind.Status, current =>
            {
                var hard = current.Obj("spec").Obj("hard") ?? [];
                var status = current.Ensure("status");
                status["hard"] = hard.DeepClone();
                var used = status.Obj("used") ?? (JsonObject)(status["used"] = new JsonObject());
                var before = charged.Keys.ToDictionary(k => k, k => Quantities.Of(used, k) ?? 0, StringComparer.Ordinal);
                Check(request, name, hard, charged, before);
                foreach (var (k, v) in charged) used[k] = Quantities.Format(before[k] + v, hard[k]?.ToString() ?? "");
                return current;
            }, new WriteOptions(), ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            // The quota went away meanwhile: nothing to charge.
        }
    }

    private static ApiException Forbidden(AdmissionRequest request, string why) =>
        ApiException.Forbidden(request.Registration.Group, request.Registration.Resource, request.Name, why);

    /// <summary>The quota scopes that depend only on the pod: Terminating, NotTerminating, BestEffort, NotBestEffort.</summary>
    private static class Scopes
    {
        public static bool Match(JsonObject quota, AdmissionRequest request)
        {
            var scopes = quota.Obj("spec")?["scopes"] is JsonArray a ? a.Select(x => x?.ToString()).ToList() : [];
            if (scopes.Count == 0) return true;
            if (!request.Is("", "pods")) return false;
            var spec = request.Object.Obj("spec");
            var terminating = spec.Long("activeDeadlineSeconds") is not null;
            var bestEffort = (spec?["containers"] is JsonArray c ? c.OfType<JsonObject>() : []).All(x => QuotaUsage.Container(x).Count == 0);
            return scopes.All(s => s switch
            {
                "Terminating" => terminating,
                "NotTerminating" => !terminating,
                "BestEffort" => bestEffort,
                "NotBestEffort" => !bestEffort,
                _ => true,
            });
        }
    }
}
