using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Protobuf;

namespace Bosun.ApiServer.Tests.Protobuf;

/// <summary>
/// Encodes a JSON object as Kubernetes protobuf with the same schema the decoder uses, the way Go would (inline-embedded
/// structs as nested messages, IntOrString/Quantity/Time as their messages, bytes from base64). Round-trip tests and
/// the benchmark use it to make bodies kubectl's typed commands cannot produce (probes, volumes, affinity, …).
/// </summary>
internal static class ProtoJsonEncoder
{
    public static byte[] EncodeObject(JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]!.GetValue<string>();
        var kind = obj["kind"]!.GetValue<string>();
        var message = ProtoSchema.Instance.ForKind(apiVersion, kind) ?? throw new ArgumentException($"no message for {apiVersion} {kind}");
        return ProtoWriter.Envelope(apiVersion, kind, Encode(obj, message));
    }

    public static ProtoWriter Encode(JsonObject obj, ProtoMessage message)
    {
        var w = new ProtoWriter();
        foreach (var field in message.Fields)
        {
            if (field.Inline)
            {
                w.Message(field.Number, Encode(obj, field.Type.Message!));
                continue;
            }
            if (!obj.TryGetPropertyValue(field.JsonName!, out var value) || value is null) continue;
            if (field.MapKey is not null)
            {
                foreach (var (key, item) in value.AsObject().OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    var entry = new ProtoWriter().String(1, key);
                    Write(entry, 2, field.Type, item!);
                    w.Message(field.Number, entry);
                }
            }
            else if (field.Repeated)
                foreach (var item in value.AsArray()) Write(w, field.Number, field.Type, item!);
            else Write(w, field.Number, field.Type, value);
        }
        return w;
    }

    private static void Write(ProtoWriter w, int number, ProtoType type, JsonNode value)
    {
        switch (type.Kind)
        {
            case ProtoKind.String: w.String(number, value.GetValue<string>()); break;
            case ProtoKind.Int32: w.Varint(number, (ulong)(long)value.GetValue<int>()); break;
            case ProtoKind.Int64: w.Varint(number, (ulong)value.GetValue<long>()); break;
            case ProtoKind.Bool: w.Varint(number, value.GetValue<bool>() ? 1UL : 0UL); break;
            case ProtoKind.Double: w.Fixed64(number, BitConverter.DoubleToUInt64Bits(value.GetValue<double>())); break;
            case ProtoKind.Bytes: w.Bytes(number, Convert.FromBase64String(value.GetValue<string>())); break;
            case ProtoKind.Message: w.Message(number, Encode(value.AsObject(), type.Message!)); break;
            case ProtoKind.Time:
            case ProtoKind.MicroTime:
            {
                var t = DateTimeOffset.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture);
                var time = new ProtoWriter().Varint(1, (ulong)t.ToUnixTimeSeconds());
                var nanos = (int)(t.UtcTicks % TimeSpan.TicksPerSecond) * 100;
                if (nanos != 0) time.Varint(2, (ulong)nanos);
                w.Message(number, time);
                break;
            }
            case ProtoKind.IntOrString:
                w.Message(number, value.GetValueKind() == System.Text.Json.JsonValueKind.Number
                    ? new ProtoWriter().Varint(1, 0).Varint(2, (ulong)(long)value.GetValue<int>())
                    : new ProtoWriter().Varint(1, 1).String(3, value.GetValue<string>()));
                break;
            case ProtoKind.Quantity: w.Message(number, new ProtoWriter().String(1, value.GetValue<string>())); break;
            case ProtoKind.RawExtension:
            case ProtoKind.FieldsV1: w.Message(number, new ProtoWriter().Bytes(1, Encoding.UTF8.GetBytes(value.ToJsonString()))); break;
            case ProtoKind.StringList:
            {
                var list = new ProtoWriter();
                foreach (var item in value.AsArray()) list.String(1, item!.GetValue<string>());
                w.Message(number, list);
                break;
            }
            default: throw new NotSupportedException($"encoding {type.Kind} is not supported by the test encoder");
        }
    }
}
