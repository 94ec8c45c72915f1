using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>
/// Small helpers for defaulting on the JSON form. "Unset" follows Go's decoding: a missing member, a JSON null, and
/// (for the string and number fields Go keeps as values, not pointers) the zero value all read as unset.
/// </summary>
internal static class JsonDefaults
{
    /// <summary>Sets a string field that is missing, null or empty.</summary>
    public static void String(JsonObject o, string name, string value)
    {
        if (string.IsNullOrEmpty(o.Str(name))) o[name] = value;
    }

    /// <summary>Sets a pointer field (Go <c>*int32</c>, <c>*bool</c>) that is missing or null; an explicit zero is kept.</summary>
    public static void Pointer(JsonObject o, string name, JsonNode value)
    {
        if (o[name] is null) o[name] = value;
    }

    /// <summary>Sets a non-pointer number that is missing, null or zero (Go cannot tell zero from unset there).</summary>
    public static void NonZero(JsonObject o, string name, long value)
    {
        if ((o.Long(name) ?? 0) == 0) o[name] = value;
    }

    /// <summary>The objects of an array member, skipping anything that is not an object.</summary>
    public static IEnumerable<JsonObject> Items(JsonObject? o, string name) =>
        o.Arr(name)?.OfType<JsonObject>() ?? [];
}
