using System.IO.Compression;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// The stored form of a range's bitmap: a v1 <c>RangeAllocation</c> object (<c>range</c> + <c>data</c>), as
/// kube-apiserver keeps under <c>/registry/ranges/…</c>. Unlike upstream's raw big-integer bytes, <c>data</c> is the
/// DEFLATE-compressed bitmap: a /12 service CIDR is a 128 KiB bitmap, almost all zeros, rewritten on every allocation.
/// </summary>
internal static class RangeAllocationCodec
{
    public static byte[] Encode(string name, string range, OffsetBitmap bitmap)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            deflate.Write(bitmap.ToBytes());
        var obj = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "RangeAllocation",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["range"] = range,
            ["data"] = Convert.ToBase64String(buffer.GetBuffer(), 0, (int)buffer.Length),
        };
        return System.Text.Encoding.UTF8.GetBytes(obj.ToJsonString());
    }

    /// <summary>Loads <paramref name="value"/> into <paramref name="bitmap"/>; returns the stored range (null when unreadable).</summary>
    public static string? Decode(ReadOnlyMemory<byte> value, OffsetBitmap bitmap)
    {
        bitmap.Clear();
        try
        {
            var obj = JsonNode.Parse(value.Span)?.AsObject();
            if (obj?["data"]?.GetValue<string>() is not { } data) return null;
            using var deflate = new DeflateStream(new MemoryStream(Convert.FromBase64String(data)), CompressionMode.Decompress);
            using var raw = new MemoryStream();
            deflate.CopyTo(raw);
            bitmap.Load(raw.GetBuffer().AsSpan(0, (int)raw.Length));
            return obj["range"]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidDataException or InvalidOperationException)
        {
            return null;   // unreadable: treated as empty, and the repair loop rebuilds it from the Services
        }
    }
}
