using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The Priority plugin for new pods: <c>spec.priority</c> and <c>spec.preemptionPolicy</c> come from the named
/// PriorityClass (the built-in system-node-critical and system-cluster-critical included), or from the class marked
/// <c>globalDefault</c> when none is named; a missing class or a conflicting explicit priority is refused.
/// </summary>
internal sealed class PriorityAdmission(IKeyValueStore storage, ResourceRegistration priorityClasses) : IAdmissionPlugin
{
    public const long SystemNodeCritical = 2000001000;
    public const long SystemClusterCritical = 2000000000;

    public async Task MutateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (!request.IsCreate || !request.Is("", "pods") || request.Subresource.Length > 0) return;
        var spec = request.Object.Ensure("spec");
        var className = spec.Str("priorityClassName");
        JsonObject? cls;
        if (string.IsNullOrEmpty(className))
        {
            cls = await GlobalDefaultAsync(ct).ConfigureAwait(false);
            if (cls is null) return;
            spec["priorityClassName"] = cls.Obj("metadata").Str("name");
        }
        else
        {
            var kv = await storage.GetAsync(priorityClasses.Key(null, className), ct).ConfigureAwait(false);
            cls = kv is null ? Builtin(className) : Json.ParseObject(kv.Value.Span);
            if (cls is null) throw ApiException.Forbidden("", "pods", request.Name, $"no PriorityClass with name {className} was found");
        }
        var value = cls.Long("value") ?? 0;
        if (spec.Long("priority") is { } given && given != value)
            throw ApiException.Forbidden("", "pods", request.Name,
                $"the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {value} from the given PriorityClass name");
        spec["priority"] = value;
        spec["preemptionPolicy"] ??= cls.Str("preemptionPolicy") ?? "PreemptLowerPriority";
    }

    private async Task<JsonObject?> GlobalDefaultAsync(CancellationToken ct)
    {
        var all = await storage.RangeAsync(new RangeRequest(priorityClasses.StoragePrefix), ct).ConfigureAwait(false);
        // Several defaults can exist after races; upstream takes the lowest value.
        return all.Items.Select(kv => Json.ParseObject(kv.Value.Span))
            .Where(c => c["globalDefault"]?.GetValue<bool>() == true)
            .OrderBy(c => c.Long("value") ?? 0).FirstOrDefault();
    }

    /// <summary>The system classes are known even before their objects exist.</summary>
    internal static JsonObject? Builtin(string name) => name switch
    {
        "system-node-critical" => new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["value"] = SystemNodeCritical },
        "system-cluster-critical" => new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["value"] = SystemClusterCritical },
        _ => null,
    };
}
