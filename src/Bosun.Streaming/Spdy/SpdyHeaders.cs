namespace Bosun.Streaming.Spdy;

/// <summary>
/// A SPDY name/value header block: lower-case names (Go's framer rejects others), repeated values joined by NUL on
/// the wire. Kept as an ordered list; lookups are case-insensitive like Go's <c>http.Header.Get</c>.
/// </summary>
public sealed class SpdyHeaders : List<KeyValuePair<string, string>>
{
    public SpdyHeaders() { }

    public SpdyHeaders(IEnumerable<KeyValuePair<string, string>> items) : base(items) { }

    public void Add(string name, string value) => Add(new KeyValuePair<string, string>(name.ToLowerInvariant(), value));

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? Get(string name)
    {
        foreach (var (k, v) in this)
            if (string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) return v.Split('\0')[0];
        return null;
    }
}
