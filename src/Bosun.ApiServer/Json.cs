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
            Return(buffer, w);
        }
    }

    /// <summary>
    /// <see cref="ToBytes(JsonNode)"/> of an object, also giving the offset of the closing brace of its top-level
    /// <c>metadata</c> object (-1 when there is none) and whether that object has members, so a member can be spliced
    /// into the bytes later (<see cref="InsertIntoMetadata"/>) instead of serializing the object again.
    /// </summary>
    public static byte[] ToBytes(JsonObject obj, out int metadataEnd, out bool metadataEmpty)
    {
        var (buffer, w) = writer ??= NewWriter();
        metadataEnd = -1;
        metadataEmpty = true;
        try
        {
            w.WriteStartObject();
            foreach (var (name, value) in obj)
            {
                w.WritePropertyName(name);
                if (name == "metadata" && value is JsonObject meta)
                {
                    w.WriteStartObject();
                    foreach (var (k, v) in meta)
                    {
                        w.WritePropertyName(k);
                        WriteValue(w, v);
                    }
                    w.Flush();
                    metadataEnd = buffer.WrittenCount;
                    metadataEmpty = meta.Count == 0;
                    w.WriteEndObject();
                }
                else
                {
                    WriteValue(w, value);
                }
            }
            w.WriteEndObject();
            w.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            Return(buffer, w);
        }
    }

    private static void WriteValue(Utf8JsonWriter w, JsonNode? value)
    {
        if (value is null) w.WriteNullValue();
        else value.WriteTo(w);
    }

    /// <summary>
    /// <paramref name="json"/> with <c>"name":"value"</c> added as the last member of the object whose closing brace is
    /// at <paramref name="end"/> (from <see cref="ToBytes(JsonObject, out int, out bool)"/>). Name and value must need
    /// no escaping.
    /// </summary>
    public static byte[] InsertIntoMetadata(ReadOnlySpan<byte> json, int end, bool empty, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var extra = (empty ? 0 : 1) + name.Length + value.Length + 5;
        var result = new byte[json.Length + extra];
        json[..end].CopyTo(result);
        var at = end;
        if (!empty) result[at++] = (byte)',';
        result[at++] = (byte)'"';
        name.CopyTo(result.AsSpan(at));
        at += name.Length;
        result[at++] = (byte)'"';
        result[at++] = (byte)':';
        result[at++] = (byte)'"';
        value.CopyTo(result.AsSpan(at));
        at += value.Length;
        result[at++] = (byte)'"';
        json[end..].CopyTo(result.AsSpan(at));
        return result;
    }

    private const int MaxRetainedBuffer = 256 * 1024;

    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? writer;

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) NewWriter()
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        return (buffer, new Utf8JsonWriter(buffer, WriterOptions));
    }

    /// <summary>Readies the thread's writer for the next use; one huge object must not pin a large buffer to the thread forever.</summary>
    private static void Return(ArrayBufferWriter<byte> buffer, Utf8JsonWriter w)
    {
        w.Reset();
        if (buffer.Capacity > MaxRetainedBuffer) writer = null;
        else buffer.ResetWrittenCount();
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
