using Bosun.ApiServer.Http;
using Bosun.ApiServer.Security;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Authorization;

/// <summary>Builds <see cref="AuthorizationAttributes"/> from an HTTP request, as kube-apiserver's RequestInfoFactory does.</summary>
internal static class RequestAttributes
{
    public static AuthorizationAttributes From(HttpContext ctx, UserInfo user)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var method = ctx.Request.Method;
        if (RequestInfo.Parse(path) is not { } info) return AuthorizationAttributes.ForPath(user, method.ToLowerInvariant(), path);

        var name = info.Name;
        var verb = Verb(method, name, ctx.Request.Query);
        // list and watch narrowed to one object by metadata.name count as a request for that name.
        if (name is null && verb is "list" or "watch" && FieldSelectorName(ctx.Request.Query) is { } selected) name = selected;
        var ns = info.Namespace;
        // /api/v1/namespaces/{name}: the namespace of a namespace request is the namespace itself.
        if (ns is null && info.Group.Length == 0 && info.Resource == "namespaces" && name is not null) ns = name;
        return new AuthorizationAttributes(user, verb, true, path, info.Group, info.Version, info.Resource, info.Subresource ?? "", ns ?? "", name ?? "");
    }

    private static string Verb(string method, string? name, IQueryCollection query) => (method, name) switch
    {
        ("GET" or "HEAD", null) => IsWatch(query) ? "watch" : "list",
        ("GET" or "HEAD", _) => IsWatch(query) ? "watch" : "get",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", null) => "deletecollection",
        ("DELETE", _) => "delete",
        _ => method.ToLowerInvariant(),
    };

    /// <summary>The handler rejects a malformed value with 400 later; here it only must not throw.</summary>
    private static bool IsWatch(IQueryCollection query) => query["watch"].ToString() is "1" or "t" or "T" or "TRUE" or "true" or "True";

    private static string? FieldSelectorName(IQueryCollection query)
    {
        var selector = query["fieldSelector"].ToString();
        foreach (var term in selector.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var t = term.Trim();
            if (t.StartsWith("metadata.name=", StringComparison.Ordinal) && !t.StartsWith("metadata.name==", StringComparison.Ordinal))
                return t["metadata.name=".Length..];
            if (t.StartsWith("metadata.name==", StringComparison.Ordinal)) return t["metadata.name==".Length..];
        }
        return null;
    }
}
