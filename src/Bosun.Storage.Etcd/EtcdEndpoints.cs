namespace Bosun.Storage.Etcd;

/// <summary>Parses k3s-style etcd endpoint lists: <c>https://10.0.0.1:2379,https://10.0.0.2:2379</c> or <c>http://h:p,h:p</c>.</summary>
public static class EtcdEndpoints
{
    /// <summary>The member URLs; a member without a scheme takes the first one's. Throws <see cref="FormatException"/> with the bad part.</summary>
    public static IReadOnlyList<Uri> Parse(string value)
    {
        var parts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
            throw new FormatException("no etcd endpoint given");
        var scheme = SchemeOf(parts[0]) ?? throw new FormatException($"etcd endpoint {parts[0]} needs http:// or https://");
        return parts.Select(p => ParseOne(SchemeOf(p) is null ? $"{scheme}://{p}" : p)).ToList();
    }

    private static string? SchemeOf(string part)
    {
        var index = part.IndexOf("://", StringComparison.Ordinal);
        return index < 0 ? null : part[..index];
    }

    private static Uri ParseOne(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.AbsolutePath != "/" || uri.Host.Length == 0)
            throw new FormatException($"invalid etcd endpoint {text}: want http(s)://host:port");
        return new Uri($"{uri.Scheme}://{uri.Authority}");
    }
}
