using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Protobuf;

/// <summary>
/// Decodes Kubernetes protobuf request bodies (<c>application/vnd.kubernetes.protobuf</c>, the <c>k8s\0</c> envelope around a
/// <c>runtime.Unknown</c>) into the JSON tree the server stores, driven by <see cref="ProtoSchema"/>.
/// Go encodes every non-pointer field, zeros included; those zeros are dropped (treated as unset, so defaulting applies),
/// while zeros of pointer fields, and of numbers and bools that Go's JSON always writes (no omitempty, e.g. a PriorityClass
/// <c>value</c> or a PDB's status counters), are kept. Unknown field numbers are skipped; malformed input is a 400.
/// </summary>
internal static class ProtobufDecoder
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    /// <summary>The envelope's magic prefix, <c>"k8s\0"</c>.</summary>
    public static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    private const int MaxDepth = 100;

    /// <summary>Decodes a whole request body: the envelope's type meta, and the object as JSON with <c>apiVersion</c> and <c>kind</c> first.</summary>
    public static (string ApiVersion, string Kind, JsonObject Object) Decode(ReadOnlySpan<byte> body) => Decode(body, 0);

    private static (string ApiVersion, string Kind, JsonObject Object) Decode(ReadOnlySpan<byte> body, int depth)
    {
        try
        {
            return DecodeEnvelope(body, depth);
        }
        catch (ApiException)
        {
            throw;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException or InvalidOperationException or OverflowException)
        {
            throw ProtoReader.Malformed(e.Message);
        }
    }

    private static (string, string, JsonObject) DecodeEnvelope(ReadOnlySpan<byte> body, int depth)
    {
        if (body.IsEmpty) throw ApiException.BadRequest("the request body is empty; an object is required");
        if (!body.StartsWith(Magic)) throw ProtoReader.Malformed("the body does not start with the k8s protobuf prefix");
        string apiVersion = "", kind = "", encoding = "";
        ReadOnlySpan<byte> raw = default;
        var hasRaw = false;
        var r = new ProtoReader(body[Magic.Length..]);
        while (!r.End)
        {
            var number = r.ReadTag(out var wire);
            if (number is >= 1 and <= 4 && wire != ProtoReader.LengthDelimited) throw ProtoReader.Malformed($"runtime.Unknown field {number} has wire type {wire}");
            switch (number)
            {
                case 1:
                    var meta = new ProtoReader(r.ReadLengthDelimited());
                    while (!meta.End)
                    {
                        var n = meta.ReadTag(out var w);
                        if (n is 1 or 2 && w == ProtoReader.LengthDelimited)
                        {
                            var s = Encoding.UTF8.GetString(meta.ReadLengthDelimited());
                            if (n == 1) apiVersion = s; else kind = s;
                        }
                        else meta.Skip(w);
                    }
                    break;
                case 2:
                    raw = r.ReadLengthDelimited();
                    hasRaw = true;
                    break;
                case 3: encoding = Encoding.UTF8.GetString(r.ReadLengthDelimited()); break;
                default: r.Skip(wire); break;
            }
        }
        if (kind.Length == 0 || apiVersion.Length == 0)
            throw ApiException.BadRequest("error decoding protobuf request body: the object has no apiVersion or kind");
        if (!hasRaw)
            throw ApiException.BadRequest("error decoding protobuf request body: the envelope holds no object");
        if (encoding.Length != 0)
            throw ApiException.BadRequest($"error decoding protobuf request body: content encoding {encoding} is not supported");
        var message = ProtoSchema.Instance.ForKind(apiVersion, kind)
            ?? throw ApiException.BadRequest($"error decoding protobuf request body: no protobuf message is known for {kind} in version {apiVersion}");
        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        DecodeInto(raw, message, obj, depth + 1);
        return (apiVersion, kind, obj);
    }

    /// <summary>Decodes a message's fields into <paramref name="obj"/> (inline-embedded messages write into their parent).</summary>
    private static void DecodeInto(ReadOnlySpan<byte> data, ProtoMessage message, JsonObject obj, int depth)
    {
        if (depth > MaxDepth) throw ProtoReader.Malformed("messages are nested too deeply");
        var r = new ProtoReader(data);
        while (!r.End)
        {
            var number = r.ReadTag(out var wire);
            var field = message.Field(number);
            if (field is null)
            {
                r.Skip(wire);
                continue;
            }
            if (field.MapKey is not null)
            {
                Expect(wire, ProtoReader.LengthDelimited, message, field);
                ReadMapEntry(r.ReadLengthDelimited(), message, field, ChildObject(obj, field.JsonName!), depth);
            }
            else if (field.Repeated)
            {
                var array = ChildArray(obj, field.JsonName!);
                if (wire == ProtoReader.LengthDelimited && !field.Type.IsLengthDelimited)
                {
                    var packed = new ProtoReader(r.ReadLengthDelimited());
                    var packedWire = field.Type.Kind == ProtoKind.Double ? ProtoReader.Fixed64 : ProtoReader.Varint;
                    while (!packed.End) array.Add(ReadValue(ref packed, packedWire, message, field, keep: true, depth));
                }
                else array.Add(ReadValue(ref r, wire, message, field, keep: true, depth));
            }
            else if (field.Inline)
            {
                Expect(wire, ProtoReader.LengthDelimited, message, field);
                DecodeInto(r.ReadLengthDelimited(), field.Type.Message!, obj, depth + 1);
            }
            else
            {
                var value = ReadValue(ref r, wire, message, field, field.KeepsZero, depth);
                if (value is null) obj.Remove(field.JsonName!);
                else obj[field.JsonName!] = value;
            }
        }
    }

    /// <summary>Reads one value of the field's type; null when it is a zero value to drop (<paramref name="keep"/> false).</summary>
    private static JsonNode? ReadValue(ref ProtoReader r, int wire, ProtoMessage message, ProtoField field, bool keep, int depth) =>
        ReadValue(ref r, wire, field.Type, keep, depth, message, field);

    private static JsonNode? ReadValue(ref ProtoReader r, int wire, ProtoType type, bool keep, int depth, ProtoMessage message, ProtoField field)
    {
        switch (type.Kind)
        {
            case ProtoKind.Int32:
            {
                Expect(wire, ProtoReader.Varint, message, field);
                var v = (int)r.ReadVarint();
                return v == 0 && !keep ? null : JsonValue.Create(v);
            }
            case ProtoKind.Int64:
            {
                Expect(wire, ProtoReader.Varint, message, field);
                var v = (long)r.ReadVarint();
                return v == 0 && !keep ? null : JsonValue.Create(v);
            }
            case ProtoKind.Bool:
            {
                Expect(wire, ProtoReader.Varint, message, field);
                var v = r.ReadVarint() != 0;
                return !v && !keep ? null : JsonValue.Create(v);
            }
            case ProtoKind.Double:
            {
                Expect(wire, ProtoReader.Fixed64, message, field);
                var v = BitConverter.UInt64BitsToDouble(r.ReadFixed64());
                if (!double.IsFinite(v)) throw ProtoReader.Malformed($"{message.Name} field {field.Number} is not a finite number");
                return v == 0 && !keep ? null : JsonValue.Create(v);
            }
        }
        Expect(wire, ProtoReader.LengthDelimited, message, field);
        var data = r.ReadLengthDelimited();
        switch (type.Kind)
        {
            case ProtoKind.String:
                return data.IsEmpty && !keep ? null : JsonValue.Create(Encoding.UTF8.GetString(data));
            case ProtoKind.Bytes:
                return data.IsEmpty && !keep ? null : JsonValue.Create(Convert.ToBase64String(data));
            case ProtoKind.Message:
            {
                if (depth > MaxDepth) throw ProtoReader.Malformed("messages are nested too deeply");
                var child = new JsonObject();
                DecodeInto(data, type.Message!, child, depth + 1);
                return child.Count == 0 && !keep ? null : child;
            }
            case ProtoKind.Time:
            case ProtoKind.MicroTime:
                return ReadTime(data, type.Kind == ProtoKind.MicroTime);
            case ProtoKind.Duration:
            {
                var ns = (long)ReadSingleVarint(data, 1);
                return ns == 0 && !keep ? null : JsonValue.Create(GoDuration.Format(ns));
            }
            case ProtoKind.IntOrString:
                return ReadIntOrString(data, keep);
            case ProtoKind.Quantity:
            {
                var s = ReadSingleBytes(data);
                return s.IsEmpty ? keep ? JsonValue.Create("0") : null : JsonValue.Create(Encoding.UTF8.GetString(s));
            }
            case ProtoKind.RawExtension:
            case ProtoKind.FieldsV1:
            {
                var raw = ReadSingleBytes(data);
                if (raw.IsEmpty) return null;
                if (raw.StartsWith(Magic)) return Decode(raw, depth + 1).Object;
                return JsonNode.Parse(raw, documentOptions: Json.DocumentOptions);
            }
            case ProtoKind.StringList:
            {
                var array = new JsonArray();
                var lr = new ProtoReader(data);
                while (!lr.End)
                {
                    var n = lr.ReadTag(out var w);
                    if (n == 1 && w == ProtoReader.LengthDelimited) array.Add(JsonValue.Create(Encoding.UTF8.GetString(lr.ReadLengthDelimited())));
                    else lr.Skip(w);
                }
                return array;
            }
            default:
                throw new InvalidOperationException($"unexpected protobuf kind {type.Kind}");
        }
    }

    private static void ReadMapEntry(ReadOnlySpan<byte> entry, ProtoMessage message, ProtoField field, JsonObject map, int depth)
    {
        string? key = null;
        JsonNode? value = null;
        var r = new ProtoReader(entry);
        while (!r.End)
        {
            var n = r.ReadTag(out var wire);
            if (n == 1) key = ReadValue(ref r, wire, field.MapKey!, keep: true, depth, message, field)?.ToString() ?? "";
            else if (n == 2) value = ReadValue(ref r, wire, field.Type, keep: true, depth, message, field);
            else r.Skip(wire);
        }
        map[key ?? ""] = value ?? ZeroValue(field.Type);
    }

    private static JsonNode? ZeroValue(ProtoType type) => type.Kind switch
    {
        ProtoKind.String or ProtoKind.Bytes => JsonValue.Create(""),
        ProtoKind.Int32 or ProtoKind.Int64 => JsonValue.Create(0),
        ProtoKind.Bool => JsonValue.Create(false),
        ProtoKind.Double => JsonValue.Create(0.0),
        ProtoKind.Quantity => JsonValue.Create("0"),
        ProtoKind.Message => new JsonObject(),
        ProtoKind.StringList => new JsonArray(),
        _ => null,
    };

    private static JsonNode? ReadTime(ReadOnlySpan<byte> data, bool micro)
    {
        long seconds = 0;
        int nanos = 0;
        var r = new ProtoReader(data);
        while (!r.End)
        {
            var n = r.ReadTag(out var wire);
            if (n == 1 && wire == ProtoReader.Varint) seconds = (long)r.ReadVarint();
            else if (n == 2 && wire == ProtoReader.Varint) nanos = (int)r.ReadVarint();
            else r.Skip(wire);
        }
        if (seconds == 0 && nanos == 0) return null;
        if (seconds is < -62135596800 or > 253402300799 || nanos is < 0 or > 999_999_999)
            throw ProtoReader.Malformed($"time {seconds}.{nanos} is out of range");
        var t = DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime;
        if (!micro) return JsonValue.Create(t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        t = t.AddTicks(nanos / 100);
        return JsonValue.Create(t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
    }

    private static JsonNode? ReadIntOrString(ReadOnlySpan<byte> data, bool keep)
    {
        long type = 0;
        int intVal = 0;
        ReadOnlySpan<byte> strVal = default;
        var r = new ProtoReader(data);
        while (!r.End)
        {
            var n = r.ReadTag(out var wire);
            if (n == 1 && wire == ProtoReader.Varint) type = (long)r.ReadVarint();
            else if (n == 2 && wire == ProtoReader.Varint) intVal = (int)r.ReadVarint();
            else if (n == 3 && wire == ProtoReader.LengthDelimited) strVal = r.ReadLengthDelimited();
            else r.Skip(wire);
        }
        if (type == 1) return strVal.IsEmpty && !keep ? null : JsonValue.Create(Encoding.UTF8.GetString(strVal));
        return intVal == 0 && !keep ? null : JsonValue.Create(intVal);
    }

    /// <summary>The varint in field <paramref name="number"/> of a one-field message (Duration), 0 when absent.</summary>
    private static ulong ReadSingleVarint(ReadOnlySpan<byte> data, ulong number)
    {
        ulong value = 0;
        var r = new ProtoReader(data);
        while (!r.End)
        {
            var n = r.ReadTag(out var wire);
            if (n == number && wire == ProtoReader.Varint) value = r.ReadVarint();
            else r.Skip(wire);
        }
        return value;
    }

    /// <summary>The bytes in field 1 of a one-field message (Quantity, RawExtension, FieldsV1), empty when absent.</summary>
    private static ReadOnlySpan<byte> ReadSingleBytes(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> value = default;
        var r = new ProtoReader(data);
        while (!r.End)
        {
            var n = r.ReadTag(out var wire);
            if (n == 1 && wire == ProtoReader.LengthDelimited) value = r.ReadLengthDelimited();
            else r.Skip(wire);
        }
        return value;
    }

    private static void Expect(int wire, int expected, ProtoMessage message, ProtoField field)
    {
        if (wire != expected)
            throw ProtoReader.Malformed($"{message.Name} field {field.Number} ({field.JsonName ?? "inline"}) has wire type {wire}, expected {expected}");
    }

    private static JsonObject ChildObject(JsonObject obj, string name)
    {
        if (obj.TryGetPropertyValue(name, out var node) && node is JsonObject existing) return existing;
        var created = new JsonObject();
        obj[name] = created;
        return created;
    }

    private static JsonArray ChildArray(JsonObject obj, string name)
    {
        if (obj.TryGetPropertyValue(name, out var node) && node is JsonArray existing) return existing;
        var created = new JsonArray();
        obj[name] = created;
        return created;
    }
}
