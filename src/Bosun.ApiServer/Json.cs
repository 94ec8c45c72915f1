using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer;

/// <summary>The server's JSON settings: Go-like output (no HTML escaping of quotes and angle brackets) and strict input.</summary>
internal static class Json
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 100 };

    public static byte[] ToBytes(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            node.WriteTo(w);
        }
        return buffer.ToArray();
    }

    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8) =>
        JsonNode.Parse(utf8, documentOptions: DocumentOptions) as JsonObject
        ?? throw new JsonException("expected a JSON object");

    /// <summary>A string-valued member, or null when absent or not a string.</summary>
    public static string? Str(this JsonObject? o, string name) =>
        o is not null && o.TryGetPropertyValue(name, out var v) && v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : null;

    public static JsonObject? Obj(this JsonObject? o, string name) =>
        o is not null && o.TryGetPropertyValue(name, out var v) ? v as JsonObject : null;

    public static JsonArray? Arr(this JsonObject? o, string name) =>
        o is not null && o.TryGetPropertyValue(name, out var v) ? v as JsonArray : null;

    /// <summary>The object at <paramref name="name"/>, created when absent or not an object.</summary>
    public static JsonObject Ensure(this JsonObject o, string name)
    {
        if (o.TryGetPropertyValue(name, out var v) && v is JsonObject existing) return existing;
        var created = new JsonObject();
        o[name] = created;
        return created;
    }

    /// <summary>An integer member, whether it came from parsed JSON (long) or was set in code (int).</summary>
    public static long? Long(this JsonObject? o, string name)
    {
        if (o is null || !o.TryGetPropertyValue(name, out var v) || v is not JsonValue jv) return null;
        if (jv.TryGetValue<long>(out var l)) return l;
        if (jv.TryGetValue<int>(out var i)) return i;
        return jv.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out l) ? l : null;
    }
}
