using System.Text;

namespace Bosun.ApiServer.Tests.Protobuf;

/// <summary>Hand-encodes protobuf wire data for tests: tags, varints, strings and nested messages.</summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _bytes = [];

    public ProtoWriter Varint(int field, ulong value) { Tag(field, 0); Raw(value); return this; }

    public ProtoWriter Fixed64(int field, ulong value)
    {
        Tag(field, 1);
        for (var i = 0; i < 8; i++) _bytes.Add((byte)(value >> (8 * i)));
        return this;
    }

    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    public ProtoWriter Bytes(int field, byte[] value)
    {
        Tag(field, 2);
        Raw((ulong)value.Length);
        _bytes.AddRange(value);
        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    /// <summary>The <c>k8s\0</c> envelope around an object of this group-version-kind.</summary>
    public static byte[] Envelope(string apiVersion, string kind, ProtoWriter obj) => Envelope(apiVersion, kind, obj.ToArray());

    public static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        [.. "k8s\0"u8.ToArray(), .. new ProtoWriter().Message(1, new ProtoWriter().String(1, apiVersion).String(2, kind)).Bytes(2, raw).String(3, "").String(4, "").ToArray()];

    private void Tag(int field, int wire) => Raw((ulong)(field << 3 | wire));

    private void Raw(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.Add((byte)value);
    }
}
