using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// Every Role, ClusterRole and binding at one moment, and RBAC's evaluation over them (upstream's
/// DefaultRuleResolver.VisitRulesFor): ClusterRoleBindings first, then the RoleBindings of the request's namespace.
/// </summary>
public sealed class RbacSnapshot
{
    private readonly Dictionary<string, RbacRole> clusterRoles;
    private readonly Dictionary<(string Ns, string Name), RbacRole> roles;
    private readonly IReadOnlyList<RbacBinding> clusterBindings;
    private readonly ILookup<string, RbacBinding> bindingsByNamespace;

    public RbacSnapshot(IEnumerable<RbacRole> clusterRoles, IEnumerable<RbacRole> roles, IEnumerable<RbacBinding> clusterBindings, IEnumerable<RbacBinding> bindings)
    {
        this.clusterRoles = clusterRoles.GroupBy(r => r.Name).ToDictionary(g => g.Key, g => g.Last());
        this.roles = roles.GroupBy(r => (r.Namespace, r.Name)).ToDictionary(g => g.Key, g => g.Last());
        this.clusterBindings = clusterBindings.ToList();
        bindingsByNamespace = bindings.ToLookup(b => b.Namespace);
    }

    public static RbacSnapshot Empty { get; } = new([], [], [], []);

    public IEnumerable<RbacRole> ClusterRoles => clusterRoles.Values;

    /// <summary>Allow when a rule of a role bound to the user allows; otherwise no opinion, with <c>RBAC: …</c> naming missing roles.</summary>
    public AuthorizationResult Authorize(AuthorizationAttributes a)
    {
        var errors = new List<string>();
        foreach (var rule in RulesFor(a.User, a.Namespace, errors))
        {
            if (rule.Allows(a)) return AuthorizationResult.Allowed;
        }
        return new AuthorizationResult(Decision.NoOpinion, errors.Count == 0 ? "" : $"RBAC: {Aggregate(errors)}");
    }

    /// <summary>The rules that apply to <paramref name="user"/> in <paramref name="ns"/> (empty: cluster scope only).</summary>
    public IEnumerable<PolicyRule> RulesFor(UserInfo user, string ns, List<string>? errors = null)
    {
        foreach (var binding in clusterBindings)
        {
            if (!binding.AppliesTo(user)) continue;
            foreach (var rule in RoleRules(binding, errors)) yield return rule;
        }
        if (ns.Length == 0) yield break;
        foreach (var binding in bindingsByNamespace[ns])
        {
            if (!binding.AppliesTo(user)) continue;
            foreach (var rule in RoleRules(binding, errors)) yield return rule;
        }
    }

    private IReadOnlyList<PolicyRule> RoleRules(RbacBinding binding, List<string>? errors)
    {
        if (binding.RoleKind == "ClusterRole")
        {
            if (clusterRoles.TryGetValue(binding.RoleName, out var cr)) return cr.Rules;
            errors?.Add($"clusterrole.rbac.authorization.k8s.io \"{binding.RoleName}\" not found");
        }
        else if (binding.RoleKind == "Role" && binding.Namespace.Length > 0)
        {
            if (roles.TryGetValue((binding.Namespace, binding.RoleName), out var r)) return r.Rules;
            errors?.Add($"role.rbac.authorization.k8s.io \"{binding.RoleName}\" not found");
        }
        return [];
    }

    /// <summary>utilerrors.NewAggregate's text: one error alone, several in brackets.</summary>
    private static string Aggregate(List<string> errors) => errors.Count == 1 ? errors[0] : $"[{string.Join(", ", errors)}]";
}
