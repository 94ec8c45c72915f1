using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Http;

/// <summary>Reads list and watch query options: selectors, limit, continue, resourceVersion(+Match).</summary>
internal static class ListOptionsParser
{
    public static ListOptions Parse(IQueryCollection query, ResourceRegistration reg)
    {
        var limit = query.Long("limit") ?? 0;
        if (limit < 0) throw ApiException.BadRequest($"limit must not be negative, got {limit}");
        var rv = Revision.Parse(query.Get("resourceVersion"));
        var match = query.Get("resourceVersionMatch");
        if (match is not (null or "" or "Exact" or "NotOlderThan"))
            throw ApiException.BadRequest($"resourceVersionMatch: Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\"");
        if (!string.IsNullOrEmpty(match) && rv is null)
            throw ApiException.BadRequest("resourceVersionMatch is forbidden unless resourceVersion is provided");
        var cont = query.Get("continue");
        if (!string.IsNullOrEmpty(cont) && rv is not null && rv != 0)
            throw ApiException.BadRequest("specifying resource version is not allowed when using continue");
        return new ListOptions
        {
            Filter = SelectorFilter.Build(reg, query.Get("labelSelector"), query.Get("fieldSelector")),
            Limit = (int)Math.Min(limit, int.MaxValue),
            Continue = string.IsNullOrEmpty(cont) ? null : cont,
            ResourceVersion = rv,
            Exact = match == "Exact" && rv is > 0,
        };
    }
}
