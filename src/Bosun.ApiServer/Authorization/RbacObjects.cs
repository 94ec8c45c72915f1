using System.Text.Json.Nodes;
using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Authorization;

/// <summary>A Role (namespaced) or ClusterRole (Namespace empty) with its rules and, for ClusterRoles, aggregation selectors.</summary>
public sealed record RbacRole(string Namespace, string Name, IReadOnlyList<PolicyRule> Rules, IReadOnlyList<JsonObject>? AggregationSelectors = null)
{
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public static RbacRole FromJson(JsonObject o)
    {
        var meta = o.Obj("metadata");
        var rules = o["rules"] is JsonArray a ? a.OfType<JsonObject>().Select(PolicyRule.FromJson).ToList() : [];
        var selectors = o.Obj("aggregationRule")?["clusterRoleSelectors"] is JsonArray s ? s.OfType<JsonObject>().ToList() : null;
        var labels = meta.Obj("labels")?.Where(kv => kv.Value is JsonValue).ToDictionary(kv => kv.Key, kv => kv.Value!.ToString()) ?? [];
        return new RbacRole(meta.Str("namespace") ?? "", meta.Str("name") ?? "", rules, selectors) { Labels = labels };
    }
}

/// <summary>An RBAC subject: a User, Group or ServiceAccount.</summary>
public sealed record RbacSubject(string Kind, string Name, string Namespace)
{
    /// <summary>Upstream's appliesToUser. A ServiceAccount subject without a namespace takes the binding's.</summary>
    public bool AppliesTo(UserInfo user, string bindingNamespace) => Kind switch
    {
        "User" => user.Name == Name,
        "Group" => user.Groups.Contains(Name),
        "ServiceAccount" => user.Name == $"system:serviceaccount:{(Namespace.Length > 0 ? Namespace : bindingNamespace)}:{Name}",
        _ => false,
    };
}

/// <summary>A RoleBinding (namespaced) or ClusterRoleBinding (Namespace empty).</summary>
public sealed record RbacBinding(string Namespace, string Name, string RoleKind, string RoleName, IReadOnlyList<RbacSubject> Subjects)
{
    public static RbacBinding FromJson(JsonObject o)
    {
        var meta = o.Obj("metadata");
        var subjects = o["subjects"] is JsonArray a
            ? a.OfType<JsonObject>().Select(s => new RbacSubject(s.Str("kind") ?? "", s.Str("name") ?? "", s.Str("namespace") ?? "")).ToList()
            : [];
        var roleRef = o.Obj("roleRef");
        return new RbacBinding(meta.Str("namespace") ?? "", meta.Str("name") ?? "", roleRef.Str("kind") ?? "", roleRef.Str("name") ?? "", subjects);
    }

    public bool AppliesTo(UserInfo user) => Subjects.Any(s => s.AppliesTo(user, Namespace));
}
