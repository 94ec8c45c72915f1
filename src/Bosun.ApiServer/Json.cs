using System.Buffers;
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
        // Every write serializes objects twice (for storage and for the answer): one writer and buffer per thread
        // instead of a MemoryStream growing from nothing and a new writer each time; only the result is allocated.
        var (buffer, w) = writer ??= NewWriter();
        try
        {
            node.WriteTo(w);
            w.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            w.Reset();
            // Don't let one huge object pin a large buffer to the thread forever.
            if (buffer.Capacity > MaxRetainedBuffer) writer = null;
            else buffer.ResetWrittenCount();
        }
    }

    private const int MaxRetainedBuffer = 256 * 1024;

    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? writer;

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) NewWriter()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        return (buffer, new Utf8JsonWriter(buffer, WriterOptions));
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
