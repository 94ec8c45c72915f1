using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.OpenApi;

/// <summary>Serves <c>/openapi/v3</c>, <c>/openapi/v3/{group-version}</c> and <c>/openapi/v2</c> from cached documents.</summary>
internal static class OpenApiEndpoints
{
    private const string V2Protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    private static readonly byte[] NotAcceptableBody = System.Text.Encoding.UTF8.GetBytes(
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\"," +
        "\"message\":\"only application/json is supported for /openapi/v2\",\"reason\":\"NotAcceptable\",\"code\":406}\n");

    private const string V3Prefix = "/openapi/v3/";

    /// <summary>
    /// Serves the OpenAPI paths (GET only) and passes every other request on. Plain path matching instead of endpoint
    /// routing: routing and its minimal-API handlers (compiled expression trees) were the only users of
    /// Microsoft.AspNetCore.Routing, Http.Extensions and System.Linq.Expressions in the server (≈ 5 MB of an idle server).
    /// </summary>
    public static IApplicationBuilder UseOpenApi(this IApplicationBuilder app, OpenApiService svc) =>
        app.Use(next => ctx => Match(ctx.Request.Path.Value) switch
        {
            OpenApiPath.None => next(ctx),
            _ when !HttpMethods.IsGet(ctx.Request.Method) => MethodNotAllowed(ctx),
            OpenApiPath.V3Index => Write(ctx, svc.V3Index, immutable: false),
            OpenApiPath.V3Document => WriteV3(ctx, svc, ctx.Request.Path.Value![V3Prefix.Length..]),
            _ => WriteV2(ctx, svc),
        });

    internal enum OpenApiPath { None, V3Index, V3Document, V2 }

    /// <summary>Which OpenAPI document a request path names (case-sensitive, as kube-apiserver's mux).</summary>
    internal static OpenApiPath Match(string? path) => path switch
    {
        "/openapi/v3" => OpenApiPath.V3Index,
        "/openapi/v2" => OpenApiPath.V2,
        not null when path.Length > V3Prefix.Length && path.StartsWith(V3Prefix, StringComparison.Ordinal) => OpenApiPath.V3Document,
        _ => OpenApiPath.None,
    };

    private static Task MethodNotAllowed(HttpContext ctx)
    {
        ctx.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
        ctx.Response.Headers.Allow = HttpMethods.Get;
        return Task.CompletedTask;
    }

    private static Task WriteV3(HttpContext ctx, OpenApiService svc, string groupVersion)
    {
        if (!svc.TryGetV3(groupVersion, out var doc))
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        // kubectl follows the index's serverRelativeURL; only a URL carrying the current hash names immutable content.
        var immutable = string.Equals(ctx.Request.Query["hash"].ToString(), doc.Hash, StringComparison.OrdinalIgnoreCase);
        return Write(ctx, doc, immutable);
    }

    private static Task WriteV2(HttpContext ctx, OpenApiService svc)
    {
        // Bosun serves Swagger 2.0 only as JSON. kubectl 1.27 (create/apply validation, explain) and the v3 fallback
        // of newer kubectl ask only for the protobuf form; a 406 Status makes them fail cleanly, so kubectl 1.27
        // needs --validate=false for create/apply.
        if (WantsOnlyProtobuf(ctx.Request.Headers.Accept))
        {
            ctx.Response.StatusCode = StatusCodes.Status406NotAcceptable;
            ctx.Response.ContentType = "application/json";
            return ctx.Response.Body.WriteAsync(NotAcceptableBody).AsTask();
        }

        return Write(ctx, svc.V2, immutable: false);
    }

    private static Task Write(HttpContext ctx, OpenApiDocument doc, bool immutable)
    {
        var headers = ctx.Response.Headers;
        headers.ETag = doc.ETag;
        headers.CacheControl = immutable ? "public, immutable" : "no-cache, private";
        headers.Vary = "Accept";
        if (MatchesETag(ctx.Request.Headers.IfNoneMatch, doc.ETag))
        {
            ctx.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        ctx.Response.StatusCode = StatusCodes.Status200OK;
        ctx.Response.ContentType = "application/json";
        ctx.Response.ContentLength = doc.Json.Length;
        return ctx.Response.Body.WriteAsync(doc.Json).AsTask();
    }

    private static bool MatchesETag(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            foreach (var candidate in (value ?? string.Empty).Split(','))
            {
                var tag = candidate.Trim();
                if (tag == "*" || tag == etag || (tag.StartsWith("W/", StringComparison.Ordinal) && tag[2..] == etag))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool WantsOnlyProtobuf(Microsoft.Extensions.Primitives.StringValues accept)
    {
        // Parsed by hand: the '@' in the protobuf media type is not a valid token character, so the strict
        // MediaTypeHeaderValue parser rejects the whole header.
        var protobuf = false;
        foreach (var value in accept)
        {
            foreach (var range in (value ?? string.Empty).Split(','))
            {
                var media = range.Split(';')[0].Trim();
                if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media is "*/*" or "application/*")
                {
                    return false;
                }

                protobuf |= media.Equals(V2Protobuf, StringComparison.OrdinalIgnoreCase);
            }
        }

        return protobuf;
    }
}
