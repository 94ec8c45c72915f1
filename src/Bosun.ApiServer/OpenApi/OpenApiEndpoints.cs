using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bosun.ApiServer.OpenApi;

/// <summary>Maps <c>/openapi/v3</c>, <c>/openapi/v3/{group-version}</c> and <c>/openapi/v2</c> onto cached documents.</summary>
internal static class OpenApiEndpoints
{
    private const string V2Protobuf = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";

    private static readonly byte[] NotAcceptableBody = System.Text.Encoding.UTF8.GetBytes(
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\"," +
        "\"message\":\"only application/json is supported for /openapi/v2\",\"reason\":\"NotAcceptable\",\"code\":406}\n");

    /// <summary>Maps the OpenAPI endpoints.</summary>
    public static IEndpointRouteBuilder MapOpenApi(this IEndpointRouteBuilder app, OpenApiService svc)
    {
        app.MapGet("/openapi/v3", (HttpContext ctx) => Write(ctx, svc.V3Index, immutable: false));
        app.MapGet("/openapi/v3/{**gv}", (HttpContext ctx, string? gv) =>
        {
            if (gv is null || !svc.TryGetV3(gv, out var doc))
            {
                ctx.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            // kubectl follows the index's serverRelativeURL; only a URL carrying the current hash names immutable content.
            var immutable = string.Equals(ctx.Request.Query["hash"].ToString(), doc.Hash, StringComparison.OrdinalIgnoreCase);
            return Write(ctx, doc, immutable);
        });
        app.MapGet("/openapi/v2", (HttpContext ctx) =>
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
        });
        return app;
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
