using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Security.ServiceAccounts;

/// <summary>
/// The <c>serviceaccounts/token</c> subresource (kube-apiserver's TokenREST): a POSTed authentication.k8s.io/v1
/// TokenRequest gets a signed JWT for the service account, for the requested audiences (default: the API server),
/// lifetime (default one hour, at least ten minutes) and optional bound Pod or Secret. Answers 201 with the
/// TokenRequest, its defaults filled in and <c>status.token</c>, <c>status.expirationTimestamp</c> set.
/// </summary>
internal sealed class TokenRequestHandler(ServiceAccountTokens tokens, ResourceCatalog catalog, ResponseWriter responses)
{
    public const string Subresource = "token";
    private const long DefaultSeconds = 3600;
    private const long MinSeconds = 600;
    private const long MaxSeconds = 1L << 32;

    public static bool Serves(ResourceRegistration reg) => reg.Group.Length == 0 && reg.Resource == "serviceaccounts";

    public async Task HandleAsync(HttpContext ctx, string ns, string name, CancellationToken ct)
    {
        if (ctx.Request.Method != "POST") throw ApiException.MethodNotAllowed(ctx.Request.Method.ToLowerInvariant(), "serviceaccounts/token");
        ctx.Items[RequestMetrics.VerbKey] = "create";
        ctx.Items[RequestMetrics.ResourceKey] = ("", "serviceaccounts");
        var request = await RequestBody.ReadObjectAsync(ctx.Request, ct);
        var (audiences, seconds, boundRef) = Validate(request, name, tokens.ApiAudiences);
        var sa = await catalog.Get("", "v1", "serviceaccounts").GetAsync(ns, name, ct);
        var bound = boundRef is null ? null : await ResolveBoundAsync(boundRef, ns, name, ct);
        var claims = tokens.NewClaims(ns, name, sa.Obj("metadata").Str("uid")!, audiences, TimeSpan.FromSeconds(seconds), bound);
        await responses.ObjectAsync(ctx, Response(request, ns, name, audiences, seconds, claims, tokens.Issue(claims)), 201);
    }

    /// <summary>Checks the TokenRequest body; returns its audiences, lifetime and bound object reference with defaults applied.</summary>
    internal static (IReadOnlyList<string> Audiences, long Seconds, JsonObject? BoundRef) Validate(JsonObject request, string name, IReadOnlyList<string> apiAudiences)
    {
        if (request.Str("kind") is { Length: > 0 } kind && kind != "TokenRequest")
            throw ApiException.BadRequest($"expected a TokenRequest body, got kind \"{kind}\"");
        var spec = request.Obj("spec");
        var audiences = spec?["audiences"] is JsonArray a ? a.Select(x => x?.ToString() ?? "").Where(x => x.Length > 0).ToList() : [];
        var seconds = spec.Long("expirationSeconds") ?? DefaultSeconds;
        var errors = new List<FieldError>();
        if (seconds < MinSeconds)
            errors.Add(FieldError.Invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes"));
        if (seconds > MaxSeconds)
            errors.Add(FieldError.Invalid("spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds"));
        if (errors.Count > 0) throw ApiException.Invalid("authentication.k8s.io", "TokenRequest", name, errors);
        return (audiences.Count > 0 ? audiences : apiAudiences, seconds, spec.Obj("boundObjectRef"));
    }

    /// <summary>TokenREST's checks: the bound object must exist with the given uid and, for a pod, run as this service account.</summary>
    private async Task<BoundObject> ResolveBoundAsync(JsonObject reference, string ns, string name, CancellationToken ct)
    {
        var kind = reference.Str("kind") ?? "";
        var (resource, group) = kind switch
        {
            "Pod" => ("pods", ""),
            "Secret" => ("secrets", ""),
            _ => throw ApiException.BadRequest($"cannot bind token for serviceaccount \"{name}\" to object of kind \"{kind}\""),
        };
        var objName = reference.Str("name") ?? "";
        var obj = await catalog.Get(group, "v1", resource).GetAsync(ns, objName, ct);
        var uid = obj.Obj("metadata").Str("uid") ?? "";
        if (reference.Str("uid") is { Length: > 0 } wanted && wanted != uid)
            throw ApiException.Conflict("", kind, objName,
                $"the UID in the bound object reference ({wanted}) does not match the UID in record. The object might have been deleted and then recreated");
        if (kind == "Pod" && (obj.Obj("spec").Str("serviceAccountName") ?? "default") != name)
            throw ApiException.BadRequest($"cannot bind token for serviceaccount \"{name}\" to pod running with different serviceaccount name.");
        return new BoundObject(kind, objName, uid);
    }

    private static JsonObject Response(JsonObject request, string ns, string name, IReadOnlyList<string> audiences, long seconds,
        ServiceAccountClaims claims, string token)
    {
        var spec = new JsonObject
        {
            ["audiences"] = new JsonArray(audiences.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
            ["expirationSeconds"] = seconds,
        };
        if (request.Obj("spec").Obj("boundObjectRef")?.DeepClone() is JsonObject reference && claims.Bound is { } bound)
        {
            reference["uid"] = bound.Uid;
            spec["boundObjectRef"] = reference;
        }
        return new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["creationTimestamp"] = Stamp(claims.IssuedAt),
            },
            ["spec"] = spec,
            ["status"] = new JsonObject { ["token"] = token, ["expirationTimestamp"] = Stamp(claims.Expiry) },
        };
    }

    private static string Stamp(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
