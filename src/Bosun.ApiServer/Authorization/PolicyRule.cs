using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Authorization;

/// <summary>One rbac.authorization.k8s.io/v1 PolicyRule and the matching RBAC applies to it (rbac/v1 helpers' <c>RuleAllows</c>).</summary>
public sealed record PolicyRule(
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ApiGroups,
    IReadOnlyList<string> Resources,
    IReadOnlyList<string> ResourceNames,
    IReadOnlyList<string> NonResourceUrls)
{
    private const string All = "*";

    public static PolicyRule ForResources(string[] verbs, string[] groups, string[] resources, string[]? names = null) =>
        new(verbs, groups, resources, names ?? [], []);

    public static PolicyRule ForUrls(string[] verbs, string[] urls) => new(verbs, [], [], [], urls);

    public bool Allows(AuthorizationAttributes a) => a.IsResourceRequest
        ? VerbMatches(a.Verb) && GroupMatches(a.ApiGroup) && ResourceMatches(a.Resource, a.Subresource) && NameMatches(a.Name)
        : VerbMatches(a.Verb) && UrlMatches(a.Path);

    private bool VerbMatches(string verb) => Verbs.Any(v => v == All || v == verb);

    private bool GroupMatches(string group) => ApiGroups.Any(g => g == All || g == group);

    /// <summary><c>*</c>, <c>pods</c>, <c>pods/log</c> and <c>*/scale</c> forms, as upstream's ResourceMatches.</summary>
    private bool ResourceMatches(string resource, string subresource)
    {
        var combined = subresource.Length == 0 ? resource : $"{resource}/{subresource}";
        foreach (var r in Resources)
        {
            if (r == All || r == combined) return true;
            if (subresource.Length > 0 && r == $"*/{subresource}") return true;
        }
        return false;
    }

    /// <summary>No names means any name; with names, a request without a name (list, create) does not match.</summary>
    private bool NameMatches(string name) =>
        ResourceNames.Count == 0 || (name.Length > 0 && ResourceNames.Contains(name));

    /// <summary><c>*</c>, exact paths, and <c>/prefix/*</c> prefixes.</summary>
    private bool UrlMatches(string path)
    {
        foreach (var u in NonResourceUrls)
        {
            if (u == All || u == path) return true;
            if (u.EndsWith('*') && path.StartsWith(u[..^1], StringComparison.Ordinal)) return true;
        }
        return false;
    }

    public static PolicyRule FromJson(JsonObject o) => new(Strings(o, "verbs"), Strings(o, "apiGroups"), Strings(o, "resources"),
        Strings(o, "resourceNames"), Strings(o, "nonResourceURLs"));

    public JsonObject ToJson()
    {
        var o = new JsonObject();
        if (ApiGroups.Count > 0 || Resources.Count > 0) o["apiGroups"] = Array(ApiGroups);
        if (NonResourceUrls.Count > 0) o["nonResourceURLs"] = Array(NonResourceUrls);
        if (ResourceNames.Count > 0) o["resourceNames"] = Array(ResourceNames);
        if (Resources.Count > 0) o["resources"] = Array(Resources);
        o["verbs"] = Array(Verbs);
        return o;
    }

    private static JsonArray Array(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());

    private static IReadOnlyList<string> Strings(JsonObject o, string name) =>
        // "" is the core group, so empty strings stay; non-strings (invalid anyway) never match anything.
        o[name] is JsonArray a ? a.Select(x => x is JsonValue v && v.TryGetValue<string>(out var s) ? s : "\0").ToList() : [];
}
