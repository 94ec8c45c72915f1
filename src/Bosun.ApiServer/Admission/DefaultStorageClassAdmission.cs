using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The DefaultStorageClass admission plugin: a new claim that names no class (<c>storageClassName</c> absent, not
/// <c>""</c>) gets the default StorageClass; of several defaults the newest wins, then the name (as upstream since 1.26).
/// </summary>
internal sealed class DefaultStorageClassAdmission(IKeyValueStore storage) : IAdmissionPlugin
{
    private const string Prefix = "/registry/storage.k8s.io/storageclasses/";

    public async Task MutateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (!request.IsCreate || !request.Is("", "persistentvolumeclaims") || request.Subresource != "") return;
        var spec = request.Object.Ensure("spec");
        if (spec.ContainsKey("storageClassName") && spec["storageClassName"] is not null) return;
        var all = await storage.RangeAsync(new RangeRequest(Prefix), ct);
        var chosen = all.Items.Select(kv => Json.ParseObject(kv.Value.Span))
            .Where(IsDefault)
            .OrderByDescending(sc => sc.Obj("metadata").Str("creationTimestamp"), StringComparer.Ordinal)
            .ThenBy(sc => sc.Obj("metadata").Str("name"), StringComparer.Ordinal)
            .FirstOrDefault();
        if (chosen?.Obj("metadata").Str("name") is { } name) spec["storageClassName"] = name;
    }

    private static bool IsDefault(JsonObject sc)
    {
        var annotations = sc.Obj("metadata").Obj("annotations");
        return annotations.Str(StorageAnnotations.IsDefaultClass) == "true" || annotations.Str(StorageAnnotations.BetaIsDefaultClass) == "true";
    }
}
