namespace Bosun.ApiServer.OpenApi;

/// <summary>Which OpenAPI dialect a document is generated in; they differ in refs, parameters and bodies.</summary>
internal enum OpenApiFlavor
{
    /// <summary>Swagger 2.0 (<c>/openapi/v2</c>, <c>#/definitions/</c>).</summary>
    V2,

    /// <summary>OpenAPI 3.0 (<c>/openapi/v3/…</c>, <c>#/components/schemas/</c>).</summary>
    V3,
}
