using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Patch;

/// <summary>RFC 7386 JSON merge patch: objects merge recursively, <c>null</c> deletes, anything else replaces.</summary>
internal static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObj) return patch?.DeepClone();
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObj)
        {
            if (value is null) result.Remove(key);
            else result[key] = Apply(result.TryGetPropertyValue(key, out var existing) ? existing?.DeepClone() : null, value);
        }
        return result;
    }
}
