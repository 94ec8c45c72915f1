using System.Buffers.Binary;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Protobuf;

/// <summary>
/// Reads protobuf wire data straight from a span: varints, fixed-width values and length-delimited slices.
/// Every read consumes at least one byte or throws a 400, so loops over a reader always end.
/// </summary>
internal ref struct ProtoReader(ReadOnlySpan<byte> data)
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, StartGroup = 3, EndGroup = 4, Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data = data;
    private int _pos;

    public readonly bool End => _pos >= _data.Length;

    /// <summary>Reads a field key; returns the field number and sets the wire type.</summary>
    public ulong ReadTag(out int wireType)
    {
        var key = ReadVarint();
        wireType = (int)(key & 7);
        var number = key >> 3;
        if (number == 0 || number > 536_870_911) throw Malformed($"invalid field number {number}");
        return number;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length) throw Malformed("truncated varint");
            var b = _data[_pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw Malformed("varint longer than 10 bytes");
    }

    public ulong ReadFixed64()
    {
        if (_data.Length - _pos < 8) throw Malformed("truncated fixed64");
        var v = BinaryPrimitives.ReadUInt64LittleEndian(_data.Slice(_pos, 8));
        _pos += 8;
        return v;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _pos)) throw Malformed($"length {length} runs past the end of the data");
        var slice = _data.Slice(_pos, (int)length);
        _pos += (int)length;
        return slice;
    }

    /// <summary>Skips a field of a number the schema does not know.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: ReadFixed64(); break;
            case LengthDelimited: ReadLengthDelimited(); break;
            case Fixed32:
                if (_data.Length - _pos < 4) throw Malformed("truncated fixed32");
                _pos += 4;
                break;
            default: throw Malformed($"unsupported wire type {wireType}");
        }
    }

    public static ApiException Malformed(string why) =>
        ApiException.BadRequest($"error decoding protobuf request body: {why}");
}
