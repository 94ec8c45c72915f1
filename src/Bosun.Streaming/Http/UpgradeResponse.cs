namespace Bosun.Streaming.Http;

/// <summary>The answer to an HTTP/1.1 request sent by <see cref="HttpUpgradeClient"/>: status, headers, and either the
/// upgraded connection (101) or the response body.</summary>
public sealed record UpgradeResponse(int StatusCode, string Reason, IReadOnlyList<KeyValuePair<string, string>> Headers, Stream Connection, byte[] Body)
{
    public bool Upgraded => StatusCode == 101;

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public IEnumerable<string> HeaderValues(string name) =>
        Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);
}
