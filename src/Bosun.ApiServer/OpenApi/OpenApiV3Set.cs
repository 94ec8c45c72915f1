using System.Collections.Frozen;

namespace Bosun.ApiServer.OpenApi;

/// <summary>The v3 index plus the per-group-version documents, built together because the index embeds their hashes.</summary>
/// <param name="Index">The <c>/openapi/v3</c> document.</param>
/// <param name="Documents">Documents by index key (<c>api/v1</c>, <c>apis/apps/v1</c>, …).</param>
internal sealed record OpenApiV3Set(OpenApiDocument Index, FrozenDictionary<string, OpenApiDocument> Documents);
