using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>
/// <c>POST …/pods/{name}/eviction</c> with a policy/v1 (or v1beta1) Eviction: deletes the pod with the eviction's
/// deleteOptions and answers 201 with a Success Status, as kube-apiserver does (kubectl drain).
/// PodDisruptionBudgets are not consulted yet: every eviction is allowed (no 429).
/// </summary>
internal sealed class EvictionHandler(ResponseWriter responses)
{
    public async Task HandleAsync(HttpContext ctx, GenericStore pods, string? ns, string name, CancellationToken ct)
    {
        var body = await RequestBody.ReadObjectAsync(ctx.Request, ct);
        var options = Parse(body, name, ctx.Request.Query.DryRun("CreateOptions"));
        await pods.DeleteAsync(ns, name, options, ct);
        await responses.BytesAsync(ctx, Json.ToBytes(Success()), 201);
    }

    /// <summary>The Eviction's deleteOptions as the store's options; the body must name the URL's pod.</summary>
    internal static DeleteOptions Parse(JsonObject body, string name, bool dryRunQuery)
    {
        if (body.Str("kind") is { } kind && kind != "Eviction")
            throw ApiException.BadRequest($"expected an Eviction body, got kind \"{kind}\"");
        var bodyName = body.Obj("metadata").Str("name");
        if (bodyName != name)
            throw ApiException.BadRequest("name in URL does not match name in Eviction object");
        var options = body.Obj("deleteOptions");
        var pre = options.Obj("preconditions");
        var dryRun = dryRunQuery || options.Arr("dryRun") is { Count: > 0 } d && d.Any(v => v?.ToString() == "All");
        return new DeleteOptions
        {
            GracePeriodSeconds = options.Long("gracePeriodSeconds"),
            PropagationPolicy = options.Str("propagationPolicy") is { Length: > 0 } p ? p : null,
            PreconditionUid = pre.Str("uid"),
            PreconditionResourceVersion = pre.Str("resourceVersion"),
            DryRun = dryRun,
        };
    }

    internal static JsonObject Success() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
    };
}
