using System.Text;
using Google.Protobuf;

namespace Bosun.Storage.Etcd;

/// <summary>Keys as etcd bytes: UTF-8, whose byte order is the ordinal order the contract promises for ASCII keys.</summary>
internal static class EtcdKeys
{
    public static ByteString Key(string key) => ByteString.CopyFromUtf8(key);

    public static string Text(ByteString key) => key.ToStringUtf8();

    /// <summary>etcd's range end for a prefix: the prefix with its last byte below 0xff incremented; "\0" (= to the end) when none.</summary>
    public static ByteString PrefixEnd(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] == 0xff)
                continue;
            var end = bytes[..(i + 1)];
            end[i]++;
            return ByteString.CopyFrom(end);
        }
        return ByteString.CopyFrom(0);
    }

    /// <summary>The first key of a range: the later of the prefix and the start key; "\0" for the whole key space.</summary>
    public static ByteString LowerBound(string prefix, string? startKey)
    {
        var first = startKey is not null && string.CompareOrdinal(startKey, prefix) > 0 ? startKey : prefix;
        return first.Length == 0 ? ByteString.CopyFrom(0) : Key(first);
    }
}
