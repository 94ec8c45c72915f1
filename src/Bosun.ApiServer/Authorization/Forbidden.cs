using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Authorization;

/// <summary>The 403 kube-apiserver sends when authorization fails (endpoints/handlers/responsewriters.forbiddenMessage).</summary>
internal static class Forbidden
{
    public static string Message(AuthorizationAttributes a)
    {
        if (!a.IsResourceRequest) return $"User \"{a.User.Name}\" cannot {a.Verb} path \"{a.Path}\"";
        var resource = a.ResourceWithSubresource;
        return a.Namespace.Length > 0
            ? $"User \"{a.User.Name}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.ApiGroup}\" in the namespace \"{a.Namespace}\""
            : $"User \"{a.User.Name}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.ApiGroup}\" at the cluster scope";
    }

    /// <summary>errors.NewForbidden over the group and resource: <c>pods "x" is forbidden: …</c>, or <c>forbidden: …</c> for paths.</summary>
    public static ApiException Exception(AuthorizationAttributes a, string reason)
    {
        var why = Message(a) + (reason.Length > 0 ? ": " + reason : "");
        return a.IsResourceRequest
            ? ApiException.Forbidden(a.ApiGroup, a.Resource, a.Name, why)
            : new ApiException(403, "Forbidden", "forbidden: " + why);
    }
}
