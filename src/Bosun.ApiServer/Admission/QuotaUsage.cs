using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// What objects count against a ResourceQuota (upstream's quota evaluators): pods that are not finished with their
/// requests and limits (the larger of the containers' sum and any one init container), object counts
/// (<c>count/&lt;resource&gt;[.group]</c> and the legacy core names), claims' requested storage, and Service node ports
/// and load balancers.
/// </summary>
internal static class QuotaUsage
{
    private static readonly Dictionary<string, string> LegacyCounts = new()
    {
        ["pods"] = "pods", ["services"] = "services", ["configmaps"] = "configmaps", ["secrets"] = "secrets",
        ["persistentvolumeclaims"] = "persistentvolumeclaims", ["replicationcontrollers"] = "replicationcontrollers",
        ["resourcequotas"] = "resourcequotas",
    };

    public static readonly string[] PodComputeNames = ["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"];

    /// <summary>What one object of <paramref name="reg"/> uses, by quota resource name.</summary>
    public static Dictionary<string, decimal> Of(ResourceRegistration reg, JsonObject obj)
    {
        var usage = new Dictionary<string, decimal>(StringComparer.Ordinal)
        {
            [reg.Group.Length == 0 ? $"count/{reg.Resource}" : $"count/{reg.Resource}.{reg.Group}"] = 1,
        };
        if (reg.Group.Length == 0 && LegacyCounts.ContainsKey(reg.Resource)) usage[reg.Resource] = 1;
        if (reg.Group.Length == 0 && reg.Resource == "pods")
        {
            if (obj.Obj("status").Str("phase") is "Succeeded" or "Failed") return [];
            foreach (var (k, v) in PodCompute(obj.Obj("spec"))) usage[k] = v;
        }
        if (reg.Group.Length == 0 && reg.Resource == "persistentvolumeclaims"
            && Quantities.Of(obj.Obj("spec").Obj("resources").Obj("requests"), "storage") is { } storage)
            usage["requests.storage"] = storage;
        if (reg.Group.Length == 0 && reg.Resource == "services")
        {
            var type = obj.Obj("spec").Str("type");
            if (type == "LoadBalancer") usage["services.loadbalancers"] = 1;
            if (type is "NodePort" or "LoadBalancer") usage["services.nodeports"] = obj.Obj("spec")?["ports"] is JsonArray p ? p.Count : 0;
        }
        return usage;
    }

    private static Dictionary<string, decimal> PodCompute(JsonObject? spec)
    {
        var sums = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var c in spec?["containers"] is JsonArray a ? a.OfType<JsonObject>() : []) Add(sums, Container(c));
        foreach (var c in spec?["initContainers"] is JsonArray i ? i.OfType<JsonObject>() : [])
            foreach (var (k, v) in Container(c)) if (!sums.TryGetValue(k, out var s) || v > s) sums[k] = v;
        return sums;
    }

    /// <summary>A container's usage names: requests as both <c>cpu</c> and <c>requests.cpu</c>, limits as <c>limits.cpu</c>.</summary>
    public static Dictionary<string, decimal> Container(JsonObject container)
    {
        var usage = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var resources = container.Obj("resources");
        foreach (var (k, v) in resources.Obj("requests") ?? [])
        {
            if (Quantities.Parse(v?.ToString()) is not { } q) continue;
            usage["requests." + k] = q;
            if (k is "cpu" or "memory" or "ephemeral-storage") usage[k] = q;
        }
        foreach (var (k, v) in resources.Obj("limits") ?? [])
            if (Quantities.Parse(v?.ToString()) is { } q) usage["limits." + k] = q;
        return usage;
    }

    private static void Add(Dictionary<string, decimal> into, Dictionary<string, decimal> more)
    {
        foreach (var (k, v) in more) into[k] = into.GetValueOrDefault(k) + v;
    }

    /// <summary>The namespace's current usage of <paramref name="names"/>, counted from storage.</summary>
    public static async Task<Dictionary<string, decimal>> InNamespaceAsync(IKeyValueStore storage, ResourceCatalog catalog, string ns,
        IEnumerable<string> names, CancellationToken ct)
    {
        var wanted = names.ToHashSet(StringComparer.Ordinal);
        var usage = wanted.ToDictionary(n => n, _ => 0m, StringComparer.Ordinal);
        foreach (var reg in RegistrationsFor(catalog, wanted))
        {
            var all = await storage.RangeAsync(new RangeRequest(reg.NamespacePrefix(ns)), ct).ConfigureAwait(false);
            foreach (var kv in all.Items)
                foreach (var (k, v) in Of(reg, Json.ParseObject(kv.Value.Span)))
                    if (wanted.Contains(k)) usage[k] += v;
        }
        return usage;
    }

    /// <summary>The resources whose objects contribute to any of <paramref name="names"/>.</summary>
    private static IEnumerable<ResourceRegistration> RegistrationsFor(ResourceCatalog catalog, HashSet<string> names)
    {
        foreach (var store in catalog.All)
        {
            var reg = store.Registration;
            if (!reg.Namespaced || !reg.Preferred) continue;
            var count = reg.Group.Length == 0 ? $"count/{reg.Resource}" : $"count/{reg.Resource}.{reg.Group}";
            var core = reg.Group.Length == 0;
            if (names.Contains(count)
                || (core && names.Contains(reg.Resource) && LegacyCounts.ContainsKey(reg.Resource))
                || (core && reg.Resource == "pods" && names.Any(n => n.StartsWith("requests.", StringComparison.Ordinal) && n != "requests.storage"
                    || n.StartsWith("limits.", StringComparison.Ordinal) || n is "cpu" or "memory" or "ephemeral-storage"))
                || (core && reg.Resource == "persistentvolumeclaims" && names.Contains("requests.storage"))
                || (core && reg.Resource == "services" && (names.Contains("services.nodeports") || names.Contains("services.loadbalancers"))))
                yield return reg;
        }
    }
}
