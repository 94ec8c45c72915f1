namespace Bosun.ApiServer.OpenApi;

/// <summary>A serialized OpenAPI document and the hash that addresses it; served as-is on every request.</summary>
/// <param name="Json">UTF-8 JSON bytes.</param>
/// <param name="Hash">Upper-case hex SHA-512 of <paramref name="Json"/>, as kube-apiserver uses in <c>?hash=</c>.</param>
internal sealed record OpenApiDocument(byte[] Json, string Hash)
{
    /// <summary>The quoted entity tag for this document.</summary>
    public string ETag => "\"" + Hash + "\"";
}
