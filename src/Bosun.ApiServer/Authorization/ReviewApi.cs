using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// The create-only review resources: authorization.k8s.io/v1 SelfSubjectAccessReview, SubjectAccessReview,
/// LocalSubjectAccessReview and SelfSubjectRulesReview (what <c>kubectl auth can-i</c> asks), and
/// authentication.k8s.io/v1 SelfSubjectReview (<c>kubectl auth whoami</c>) and TokenReview. Nothing is stored: each
/// POST is answered with the request, its <c>status</c> filled in, and 201.
/// </summary>
internal sealed class ReviewApi(IAuthorizer authorizer, RbacCache rbac, IAuthenticator authenticator, ResponseWriter responses)
{
    public const string AuthorizationGroup = "authorization.k8s.io";
    public const string AuthenticationGroup = "authentication.k8s.io";
    private static readonly string[] CreateOnly = ["create"];

    public static IEnumerable<ResourceRegistration> Registrations() =>
    [
        Registration(AuthenticationGroup, "selfsubjectreviews", "SelfSubjectReview", false, typeof(k8s.Models.V1SelfSubjectReview)),
        Registration(AuthenticationGroup, "tokenreviews", "TokenReview", false, typeof(k8s.Models.V1TokenReview)),
        Registration(AuthorizationGroup, "localsubjectaccessreviews", "LocalSubjectAccessReview", true, typeof(k8s.Models.V1LocalSubjectAccessReview)),
        Registration(AuthorizationGroup, "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, typeof(k8s.Models.V1SelfSubjectAccessReview)),
        Registration(AuthorizationGroup, "selfsubjectrulesreviews", "SelfSubjectRulesReview", false, typeof(k8s.Models.V1SelfSubjectRulesReview)),
        Registration(AuthorizationGroup, "subjectaccessreviews", "SubjectAccessReview", false, typeof(k8s.Models.V1SubjectAccessReview)),
    ];

    private static ResourceRegistration Registration(string group, string resource, string kind, bool namespaced, Type model) => new()
    {
        Group = group, Version = "v1", Resource = resource, Kind = kind, Namespaced = namespaced,
        ModelType = model, ListModelType = model, Verbs = CreateOnly,
    };

    public static bool Handles(string path) =>
        path.StartsWith($"/apis/{AuthorizationGroup}/v1/", StringComparison.Ordinal) || path.StartsWith($"/apis/{AuthenticationGroup}/v1/", StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext ctx, string path)
    {
        var info = RequestInfo.Parse(path) ?? throw NotFound();
        if (info.Name is not null || info.Subresource is not null) throw NotFound();
        var known = Registrations().FirstOrDefault(r => r.Group == info.Group && r.Resource == info.Resource && r.Namespaced == (info.Namespace is not null))
            ?? throw NotFound();
        if (ctx.Request.Method != "POST") throw ApiException.MethodNotAllowed(ctx.Request.Method.ToLowerInvariant(), known.Resource);
        ctx.Items[RequestMetrics.VerbKey] = "create";
        ctx.Items[RequestMetrics.ResourceKey] = (known.Group, known.Resource);
        var body = await RequestBody.ReadObjectAsync(ctx.Request, ctx.RequestAborted);
        if (body.Str("kind") is { Length: > 0 } kind && kind != known.Kind)
            throw ApiException.BadRequest($"expected a {known.Kind} body, got kind \"{kind}\"");
        var user = ctx.GetUser() ?? throw ApiException.Internal("no user");
        var status = known.Resource switch
        {
            "selfsubjectaccessreviews" => await AccessAsync(user, body.Obj("spec"), null, ctx.RequestAborted),
            "subjectaccessreviews" => await AccessAsync(SubjectOf(body.Obj("spec"), known.Kind), body.Obj("spec"), null, ctx.RequestAborted),
            "localsubjectaccessreviews" => await AccessAsync(SubjectOf(body.Obj("spec"), known.Kind), body.Obj("spec"), LocalNamespace(body, info.Namespace!), ctx.RequestAborted),
            "selfsubjectrulesreviews" => Rules(user, body.Obj("spec").Str("namespace") ?? ""),
            "selfsubjectreviews" => new JsonObject { ["userInfo"] = UserJson(user) },
            _ => await TokenReviewAsync(body.Obj("spec"), ctx.RequestAborted),
        };
        var response = new JsonObject
        {
            ["kind"] = known.Kind,
            ["apiVersion"] = $"{known.Group}/v1",
            ["metadata"] = body.Obj("metadata")?.DeepClone() ?? new JsonObject(),
            ["spec"] = body.Obj("spec")?.DeepClone() ?? new JsonObject(),
            ["status"] = status,
        };
        if (known.Resource == "selfsubjectreviews") response.Remove("spec");
        await responses.ObjectAsync(ctx, response, 201);
    }

    private static ApiException NotFound() => new(404, "NotFound", "the server could not find the requested resource");

    private async Task<JsonObject> AccessAsync(UserInfo user, JsonObject? spec, string? forcedNamespace, CancellationToken ct)
    {
        var attributes = Attributes(user, spec, forcedNamespace);
        var result = authorizer.Authorize(attributes);
        if (result.Decision != Decision.Allow)
        {
            await rbac.RefreshAsync(ct);
            result = authorizer.Authorize(attributes);
        }
        var status = new JsonObject { ["allowed"] = result.Decision == Decision.Allow };
        if (result.Decision == Decision.Deny) status["denied"] = true;
        if (result.Reason.Length > 0) status["reason"] = result.Reason;
        return status;
    }

    /// <summary>The attributes a review asks about; exactly one of resourceAttributes and nonResourceAttributes.</summary>
    internal static AuthorizationAttributes Attributes(UserInfo user, JsonObject? spec, string? forcedNamespace)
    {
        var resource = spec.Obj("resourceAttributes");
        var nonResource = spec.Obj("nonResourceAttributes");
        if ((resource is null) == (nonResource is null))
            throw ApiException.Invalid(AuthorizationGroup, "SelfSubjectAccessReview", "",
                [Bosun.Api.FieldError.Invalid("spec.resourceAttributes", "null", "exactly one of nonResourceAttributes or resourceAttributes must be specified")]);
        if (nonResource is not null) return AuthorizationAttributes.ForPath(user, nonResource.Str("verb") ?? "", nonResource.Str("path") ?? "");
        return new AuthorizationAttributes(user, resource.Str("verb") ?? "", true, "", resource.Str("group") ?? "", resource.Str("version") ?? "",
            resource.Str("resource") ?? "", resource.Str("subresource") ?? "", forcedNamespace ?? resource.Str("namespace") ?? "", resource.Str("name") ?? "");
    }

    private static UserInfo SubjectOf(JsonObject? spec, string kind)
    {
        var name = spec.Str("user") ?? "";
        var groups = spec?["groups"] is JsonArray g ? g.Select(x => x?.ToString() ?? "").ToList() : [];
        if (name.Length == 0 && groups.Count == 0)
            throw ApiException.Invalid(AuthorizationGroup, kind, "", [Bosun.Api.FieldError.Invalid("spec.user", "", "at least one of user or group must be specified")]);
        return new UserInfo(name, spec.Str("uid") ?? "", groups);
    }

    private static string LocalNamespace(JsonObject body, string urlNamespace)
    {
        var ns = body.Obj("spec").Obj("resourceAttributes").Str("namespace") ?? "";
        if (ns != urlNamespace)
            throw ApiException.Invalid(AuthorizationGroup, "LocalSubjectAccessReview", "",
                [Bosun.Api.FieldError.Invalid("spec.resourceAttributes.namespace", ns, "must match metadata.namespace")]);
        return urlNamespace;
    }

    /// <summary>SelfSubjectRulesReview: every rule that applies in the namespace, as RBAC's rules resolver lists them.</summary>
    private JsonObject Rules(UserInfo user, string ns)
    {
        if (ns.Length == 0)
            throw ApiException.Invalid(AuthorizationGroup, "SelfSubjectRulesReview", "", [Bosun.Api.FieldError.Required("spec.namespace")]);
        var errors = new List<string>();
        var rules = rbac.Snapshot.RulesFor(user, ns, errors).ToList();
        var resourceRules = new JsonArray();
        var nonResourceRules = new JsonArray();
        foreach (var r in rules)
        {
            if (r.NonResourceUrls.Count > 0)
                nonResourceRules.Add(new JsonObject { ["verbs"] = Array(r.Verbs), ["nonResourceURLs"] = Array(r.NonResourceUrls) });
            if (r.Resources.Count > 0 || r.ApiGroups.Count > 0)
            {
                var o = new JsonObject { ["verbs"] = Array(r.Verbs), ["apiGroups"] = Array(r.ApiGroups), ["resources"] = Array(r.Resources) };
                if (r.ResourceNames.Count > 0) o["resourceNames"] = Array(r.ResourceNames);
                resourceRules.Add(o);
            }
        }
        var status = new JsonObject { ["resourceRules"] = resourceRules, ["nonResourceRules"] = nonResourceRules, ["incomplete"] = errors.Count > 0 };
        if (errors.Count > 0) status["evaluationError"] = string.Join(", ", errors);
        return status;
    }

    private async Task<JsonObject> TokenReviewAsync(JsonObject? spec, CancellationToken ct)
    {
        var token = spec.Str("token") ?? "";
        var probe = new DefaultHttpContext { RequestAborted = ct };
        probe.Request.Headers.Authorization = "Bearer " + token;
        var user = token.Length == 0 ? null : await authenticator.AuthenticateAsync(probe);
        return user is null
            ? new JsonObject { ["authenticated"] = false, ["user"] = new JsonObject(), ["error"] = "invalid bearer token" }
            : new JsonObject { ["authenticated"] = true, ["user"] = UserJson(user) };
    }

    private static JsonObject UserJson(UserInfo user)
    {
        var o = new JsonObject { ["username"] = user.Name };
        if (user.Uid.Length > 0) o["uid"] = user.Uid;
        o["groups"] = Array(user.Groups);
        if (user.Extra is { Count: > 0 } extra)
            o["extra"] = new JsonObject(extra.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)Array(kv.Value))));
        return o;
    }

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
}
