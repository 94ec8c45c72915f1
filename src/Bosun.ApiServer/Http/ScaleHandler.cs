using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Patch;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>
/// <c>…/{deployments,replicasets,statefulsets,replicationcontrollers}/{name}/scale</c>: GET, PUT and PATCH of an
/// autoscaling/v1 Scale that reads and writes the parent's <c>spec.replicas</c> (kubectl scale, HPA).
/// </summary>
internal sealed class ScaleHandler(ResponseWriter responses)
{
    public async Task HandleAsync(HttpContext ctx, GenericStore store, string? ns, string name, string verb, WriteOptions options, CancellationToken ct)
    {
        var reg = store.Registration;
        switch (verb)
        {
            case "get":
                await responses.ObjectAsync(ctx, ScaleConversion.ToScale(await store.GetAsync(ns, name, ct), reg), 200);
                break;
            case "update":
            {
                var scale = await RequestBody.ReadObjectAsync(ctx.Request, ct);
                CheckKind(scale);
                var updated = await store.UpdateAsync(ns, name, UpdateKind.Main, parent => ScaleConversion.Apply(parent, scale), options, ct);
                await responses.ObjectAsync(ctx, ScaleConversion.ToScale(updated, reg), 200);
                break;
            }
            case "patch":
            {
                var apply = Patcher(RequestBody.MediaType(ctx.Request));
                var patch = RequestBody.ParseJson(await RequestBody.ReadBytesAsync(ctx.Request, ct));
                var updated = await store.UpdateAsync(ns, name, UpdateKind.Main, parent =>
                {
                    var current = ScaleConversion.ToScale(parent, reg);
                    var patched = apply(current, patch) as JsonObject ?? throw ApiException.BadRequest("the patched object must be a JSON object");
                    CheckKind(patched);
                    return ScaleConversion.Apply(parent, patched);
                }, options, ct);
                await responses.ObjectAsync(ctx, ScaleConversion.ToScale(updated, reg), 200);
                break;
            }
            default:
                throw ApiException.MethodNotAllowed(verb, reg.Resource + "/scale");
        }
    }

    /// <summary>A Scale has no lists, so a strategic merge patch is exactly a merge patch (what <c>kubectl scale</c> sends may be either).</summary>
    internal static Func<JsonNode, JsonNode, JsonNode> Patcher(string media) => media switch
    {
        "application/merge-patch+json" or "application/strategic-merge-patch+json" => (doc, p) => JsonMergePatch.Apply(doc, p)!,
        "application/json-patch+json" => JsonPatch.Apply,
        _ => throw new ApiException(415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
    };

    private static void CheckKind(JsonObject scale)
    {
        var kind = scale.Str("kind");
        var apiVersion = scale.Str("apiVersion");
        if (kind is not (null or "Scale") || apiVersion is not (null or "autoscaling/v1"))
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version (autoscaling/v1)");
    }
}
