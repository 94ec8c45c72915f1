namespace Bosun.ApiServer.Http;

/// <summary>
/// A resource request URL taken apart, as kube-apiserver's RequestInfoFactory does:
/// <c>/api/v1/namespaces/{ns}/{resource}/{name}/{subresource}</c> and <c>/apis/{group}/{version}/…</c>.
/// </summary>
internal sealed record RequestInfo(string Group, string Version, string? Namespace, string Resource, string? Name, string? Subresource)
{
    /// <summary>Null when the path is not a resource path (discovery, health, unknown).</summary>
    public static RequestInfo? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        int i;
        string group, version;
        if (parts.Length >= 3 && parts[0] == "api") { group = ""; version = parts[1]; i = 2; }
        else if (parts.Length >= 4 && parts[0] == "apis") { group = parts[1]; version = parts[2]; i = 3; }
        else return null;

        var rest = parts[i..];
        if (rest.Any(p => p.Length == 0)) return null;
        // /namespaces/{ns}/{resource}/… is a namespaced request, except the namespace's own subresources.
        if (rest.Length >= 3 && rest[0] == "namespaces" && !(rest.Length == 3 && rest[2] is "status" or "finalize"))
            return Build(group, version, rest[1], rest[2..]);
        return Build(group, version, null, rest);
    }

    private static RequestInfo? Build(string group, string version, string? ns, string[] rest) => rest.Length switch
    {
        1 => new(group, version, ns, rest[0], null, null),
        2 => new(group, version, ns, rest[0], rest[1], null),
        3 => new(group, version, ns, rest[0], rest[1], rest[2]),
        _ => null,
    };
}
