using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Checks;

/// <summary>
/// PersistentVolumeClaim updates: the spec is immutable after creation except <c>resources.requests</c> (expansion),
/// <c>volumeAttributesClassName</c> and a first binding of <c>volumeName</c> (core/validation ValidatePersistentVolumeClaimUpdate).
/// </summary>
internal static class PvcChecks
{
    private const string Message = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims";

    public static IEnumerable<FieldError> ValidateUpdate(JsonObject obj, JsonObject old)
    {
        var spec = (obj.Obj("spec") ?? new JsonObject()).DeepClone().AsObject();
        var oldSpec = (old.Obj("spec") ?? new JsonObject()).DeepClone().AsObject();
        spec.Obj("resources")?.Remove("requests");
        oldSpec.Obj("resources")?.Remove("requests");
        spec.Remove("volumeAttributesClassName");
        oldSpec.Remove("volumeAttributesClassName");
        // Binding sets volumeName once.
        if (string.IsNullOrEmpty(oldSpec.Str("volumeName")))
        {
            spec.Remove("volumeName");
            oldSpec.Remove("volumeName");
        }
        if (!JsonNode.DeepEquals(spec, oldSpec))
        {
            // The message carries a go-cmp diff of the spec in Kubernetes; the leading text is the same.
            yield return FieldError.Forbidden("spec", Message + "\n");
        }
    }
}
