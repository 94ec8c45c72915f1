using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Protobuf;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>Reads <c>DeleteOptions</c> from the body (what kubectl sends, JSON or protobuf) and the query (what curl users send).</summary>
internal static class DeleteOptionsParser
{
    public static async Task<DeleteOptions> ReadAsync(HttpContext ctx, CancellationToken ct)
    {
        var query = ctx.Request.Query;
        var bytes = await RequestBody.ReadBytesAsync(ctx.Request, ct);
        JsonObject? body = bytes.Length == 0 ? null
            : RequestBody.MediaType(ctx.Request) == ProtobufDecoder.MediaType ? ProtobufDecoder.Decode(bytes).Object
            : RequestBody.ParseJsonObject(bytes);
        var kind = body.Str("kind");
        if (kind is not (null or "DeleteOptions"))
            throw ApiException.BadRequest($"expected a DeleteOptions body, got kind \"{kind}\"");

        var grace = body.Long("gracePeriodSeconds") ?? query.Long("gracePeriodSeconds");
        var policy = body.Str("propagationPolicy") ?? query.Get("propagationPolicy");
        if (body?["orphanDependents"] is JsonValue orphan && orphan.TryGetValue<bool>(out var o) && policy is null)
            policy = o ? "Orphan" : "Background";
        if (policy is not (null or "" or "Orphan" or "Background" or "Foreground"))
            throw ApiException.InvalidOptions("DeleteOptions",
                FieldError.NotSupported("propagationPolicy", policy, ["Foreground", "Background", "Orphan", "nil"]));
        var dryRun = query.DryRun("DeleteOptions") || body.Arr("dryRun") is { Count: > 0 } d && d.Any(v => v?.ToString() == "All");
        var pre = body.Obj("preconditions");
        return new DeleteOptions
        {
            GracePeriodSeconds = grace,
            PropagationPolicy = string.IsNullOrEmpty(policy) ? null : policy,
            PreconditionUid = pre.Str("uid"),
            PreconditionResourceVersion = pre.Str("resourceVersion"),
            DryRun = dryRun,
        };
    }
}
