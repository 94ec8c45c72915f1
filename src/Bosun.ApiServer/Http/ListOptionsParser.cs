using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>Reads list and watch query options: selectors, limit, continue, resourceVersion(+Match).</summary>
internal static class ListOptionsParser
{
    public static ListOptions Parse(IQueryCollection query, ResourceRegistration reg, bool watch = false)
    {
        var limit = query.Long("limit") ?? 0;
        if (limit < 0) throw ApiException.BadRequest($"limit must not be negative, got {limit}");
        var rv = Revision.Parse(query.Get("resourceVersion"));
        var match = query.Get("resourceVersionMatch");
        var cont = query.Get("continue");
        // kube-apiserver's ValidateListOptions: a 422 on ListOptions.meta.k8s.io.
        if (watch && !string.IsNullOrEmpty(match))
        {
            // Bosun does not serve sendInitialEvents, so a watch never takes resourceVersionMatch.
            List<FieldError> errors = [FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")];
            if (match != "NotOlderThan") errors.Add(FieldError.NotSupported("resourceVersionMatch", match, ["NotOlderThan"]));
            throw ApiException.Invalid("meta.k8s.io", "ListOptions", "", errors);
        }
        if (match is not (null or "" or "Exact" or "NotOlderThan"))
            throw ApiException.InvalidOptions("ListOptions", FieldError.NotSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]));
        if (!string.IsNullOrEmpty(match) && rv is null)
            throw ApiException.InvalidOptions("ListOptions", FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"));
        if (!string.IsNullOrEmpty(match) && !string.IsNullOrEmpty(cont))
            throw ApiException.InvalidOptions("ListOptions", FieldError.Forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"));
        if (!string.IsNullOrEmpty(cont) && rv is not null && rv != 0)
            throw ApiException.BadRequest("specifying resource version is not allowed when using continue");
        return new ListOptions
        {
            Filter = SelectorFilter.Build(reg, query.Get("labelSelector"), query.Get("fieldSelector")),
            // resourceVersion=0 is served whole from the watch cache in kube-apiserver 1.32, which ignores limit there.
            Limit = rv == 0 && !watch && string.IsNullOrEmpty(cont) ? 0 : (int)Math.Min(limit, int.MaxValue),
            Continue = string.IsNullOrEmpty(cont) ? null : cont,
            ResourceVersion = rv,
            Exact = match == "Exact" && rv is > 0,
        };
    }
}
