namespace Bosun.Storage;

/// <summary>Turns a prefix (and an optional start key) into a half-open ordinal key interval, so backends can seek instead of scanning.</summary>
internal static class KeyRange
{
    /// <summary>The smallest key that sorts after every key starting with <paramref name="prefix"/>, or null when there is none.</summary>
    public static string? PrefixEnd(string prefix)
    {
        for (var i = prefix.Length - 1; i >= 0; i--)
        {
            if (prefix[i] != char.MaxValue)
                return string.Concat(prefix.AsSpan(0, i), [(char)(prefix[i] + 1)]);
        }
        return null;
    }

    /// <summary>The first key to read: the later of the prefix and the start key.</summary>
    public static string LowerBound(string prefix, string? startKey) =>
        startKey is not null && string.CompareOrdinal(startKey, prefix) > 0 ? startKey : prefix;
}
