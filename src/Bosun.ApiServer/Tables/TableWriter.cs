using System.Buffers;
using System.IO.Pipelines;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables;

/// <summary>
/// Writes meta.k8s.io/v1 Table responses straight into a buffer with <see cref="Utf8JsonWriter"/>: the list form for
/// <c>kubectl get</c> and the one-row form wrapped in a watch event. Column definitions are serialised once per
/// convertor and copied in raw, since they are identical for every response of a kind.
/// </summary>
internal static class TableWriter
{
    /// <summary>Writer options: <c>&lt;none&gt;</c> stays readable instead of becoming <c>\u003Cnone\u003E</c>; both decode the same.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonEncodedText KindProp = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText ApiVersionProp = JsonEncodedText.Encode("apiVersion");
    private static readonly JsonEncodedText MetadataProp = JsonEncodedText.Encode("metadata");
    private static readonly JsonEncodedText ResourceVersionProp = JsonEncodedText.Encode("resourceVersion");
    private static readonly JsonEncodedText ContinueProp = JsonEncodedText.Encode("continue");
    private static readonly JsonEncodedText RemainingProp = JsonEncodedText.Encode("remainingItemCount");
    private static readonly JsonEncodedText ColumnsProp = JsonEncodedText.Encode("columnDefinitions");
    private static readonly JsonEncodedText RowsProp = JsonEncodedText.Encode("rows");
    private static readonly JsonEncodedText CellsProp = JsonEncodedText.Encode("cells");
    private static readonly JsonEncodedText ConditionsProp = JsonEncodedText.Encode("conditions");
    private static readonly JsonEncodedText ObjectProp = JsonEncodedText.Encode("object");
    private static readonly JsonEncodedText TypeProp = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText StatusProp = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText ReasonProp = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText MessageProp = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText TableKind = JsonEncodedText.Encode("Table");
    private static readonly JsonEncodedText PartialKind = JsonEncodedText.Encode("PartialObjectMetadata");
    private static readonly JsonEncodedText MetaV1 = JsonEncodedText.Encode("meta.k8s.io/v1");

    /// <summary>A whole Table for a list (or a single get) as UTF-8 bytes.</summary>
    public static byte[] Write(
        TableConvertor convertor, IEnumerable<JsonObject> items, TableListMeta meta, IncludeObjectPolicy include, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        Write(buffer, convertor, items, meta, include, now);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A whole Table for a list (or a single get) into <paramref name="output"/>.</summary>
    public static void Write(
        IBufferWriter<byte> output, TableConvertor convertor, IEnumerable<JsonObject> items, TableListMeta meta,
        IncludeObjectPolicy include, DateTimeOffset now, bool includeColumns = true)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        WriteTable(writer, convertor, items, meta, include, now, includeColumns);
    }

    /// <summary>
    /// Streams a Table to <paramref name="output"/> (an HTTP response body), flushing every
    /// <paramref name="rowsPerFlush"/> rows so a large list is not held in memory as a whole.
    /// </summary>
    public static async ValueTask WriteAsync(
        PipeWriter output, TableConvertor convertor, IEnumerable<JsonObject> items, TableListMeta meta,
        IncludeObjectPolicy include, DateTimeOffset now, int rowsPerFlush = 256, CancellationToken ct = default)
    {
        await using var writer = new Utf8JsonWriter(output, WriterOptions);
        WriteTableStart(writer, convertor, meta, includeColumns: true);
        int pending = 0;
        foreach (var item in items)
        {
            WriteRow(writer, convertor, item, include, now);
            if (++pending >= rowsPerFlush)
            {
                pending = 0;
                writer.Flush();
                await output.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        WriteTableEnd(writer);
        writer.Flush();
        await output.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The same Table as a node tree, for callers that post-process it.</summary>
    public static JsonObject ToJsonObject(
        TableConvertor convertor, IEnumerable<JsonObject> items, TableListMeta meta, IncludeObjectPolicy include, DateTimeOffset now) =>
        JsonNode.Parse(Write(convertor, items, meta, include, now))!.AsObject();

    /// <summary>
    /// One watch event, <c>{"type":…,"object":{Table with one row}}</c>, followed by a newline. The table's
    /// resourceVersion is the object's, as the real server reports it. Later events of a watch pass
    /// <paramref name="includeColumns"/> false and get an empty column list.
    /// </summary>
    public static void WriteWatchEvent(
        IBufferWriter<byte> output, string type, TableConvertor convertor, JsonObject obj, bool includeColumns,
        IncludeObjectPolicy include, DateTimeOffset now)
    {
        using (var writer = new Utf8JsonWriter(output, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString(TypeProp, type);
            writer.WritePropertyName(ObjectProp);
            var meta = new TableListMeta(Json.StrOrNull(obj["metadata"], "resourceVersion"));
            WriteTable(writer, convertor, [obj], meta, include, now, includeColumns);
            writer.WriteEndObject();
        }
        output.Write("\n"u8);
    }

    /// <summary>Writes the Table object as the current value of <paramref name="writer"/>.</summary>
    public static void WriteTable(
        Utf8JsonWriter writer, TableConvertor convertor, IEnumerable<JsonObject> items, TableListMeta meta,
        IncludeObjectPolicy include, DateTimeOffset now, bool includeColumns = true)
    {
        WriteTableStart(writer, convertor, meta, includeColumns);
        foreach (var item in items)
        {
            WriteRow(writer, convertor, item, include, now);
        }
        WriteTableEnd(writer);
    }

    /// <summary>Everything of the Table up to and including the opening bracket of <c>rows</c>.</summary>
    private static void WriteTableStart(Utf8JsonWriter writer, TableConvertor convertor, TableListMeta meta, bool includeColumns)
    {
        writer.WriteStartObject();
        writer.WriteString(KindProp, TableKind);
        writer.WriteString(ApiVersionProp, MetaV1);

        writer.WriteStartObject(MetadataProp);
        if (!string.IsNullOrEmpty(meta.ResourceVersion))
        {
            writer.WriteString(ResourceVersionProp, meta.ResourceVersion);
        }
        if (!string.IsNullOrEmpty(meta.Continue))
        {
            writer.WriteString(ContinueProp, meta.Continue);
        }
        if (meta.RemainingItemCount is { } remaining)
        {
            writer.WriteNumber(RemainingProp, remaining);
        }
        writer.WriteEndObject();

        writer.WritePropertyName(ColumnsProp);
        if (includeColumns)
        {
            writer.WriteRawValue(convertor.EncodedColumns.Span, skipInputValidation: true);
        }
        else
        {
            // The server's NoHeaders tables carry an empty list, which is what the captured watch stream shows.
            writer.WriteStartArray();
            writer.WriteEndArray();
        }

        writer.WriteStartArray(RowsProp);
    }

    private static void WriteTableEnd(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteRow(Utf8JsonWriter writer, TableConvertor convertor, JsonObject item, IncludeObjectPolicy include, DateTimeOffset now)
    {
        writer.WriteStartObject();
        writer.WriteStartArray(CellsProp);
        foreach (var cell in convertor.Cells(item, now))
        {
            WriteCell(writer, cell);
        }
        writer.WriteEndArray();

        if (convertor.Condition(item) is { } condition)
        {
            writer.WriteStartArray(ConditionsProp);
            writer.WriteStartObject();
            writer.WriteString(TypeProp, condition.Type);
            writer.WriteString(StatusProp, condition.Status);
            writer.WriteString(ReasonProp, condition.Reason);
            writer.WriteString(MessageProp, condition.Message);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        writer.WritePropertyName(ObjectProp);
        switch (include)
        {
            case IncludeObjectPolicy.Object:
                item.WriteTo(writer);
                break;
            case IncludeObjectPolicy.Metadata:
                writer.WriteStartObject();
                writer.WriteString(KindProp, PartialKind);
                writer.WriteString(ApiVersionProp, MetaV1);
                writer.WritePropertyName(MetadataProp);
                if (item["metadata"] is JsonObject metadata)
                {
                    metadata.WriteTo(writer);
                }
                else
                {
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
                break;
            default:
                // An empty RawExtension marshals as null in Go, so includeObject=None rows carry "object":null.
                writer.WriteNullValue();
                break;
        }
        writer.WriteEndObject();
    }

    private static void WriteCell(Utf8JsonWriter writer, object? cell)
    {
        switch (cell)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            default:
                writer.WriteStringValue(Convert.ToString(cell, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <summary>Serialises a column list as the <c>columnDefinitions</c> array.</summary>
    internal static byte[] EncodeColumns(IReadOnlyList<TableColumn> columns)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var c in columns)
            {
                writer.WriteStartObject();
                writer.WriteString("name", c.Name);
                writer.WriteString("type", c.Type);
                writer.WriteString("format", c.Format);
                writer.WriteString("description", c.Description);
                writer.WriteNumber("priority", c.Priority);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
