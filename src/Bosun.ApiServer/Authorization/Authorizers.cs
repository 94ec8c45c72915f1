using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Authorization;

/// <summary>Members of <c>system:masters</c> may do anything, whatever RBAC holds (kube-apiserver's privileged-group authorizer).</summary>
internal sealed class MastersAuthorizer : IAuthorizer
{
    public AuthorizationResult Authorize(AuthorizationAttributes a) =>
        a.User.Groups.Contains(SecurityNames.MastersGroup) ? AuthorizationResult.Allowed : AuthorizationResult.NoOpinion;
}

/// <summary>RBAC over the followed Roles, ClusterRoles and bindings.</summary>
internal sealed class RbacAuthorizer(Func<RbacSnapshot> snapshot) : IAuthorizer
{
    public AuthorizationResult Authorize(AuthorizationAttributes a) => snapshot().Authorize(a);
}

/// <summary>Asks each authorizer in turn; the first Allow or Deny decides. Reasons of no-opinion answers are joined for the 403.</summary>
internal sealed class UnionAuthorizer(params IAuthorizer[] authorizers) : IAuthorizer
{
    public AuthorizationResult Authorize(AuthorizationAttributes a)
    {
        var reasons = new List<string>();
        foreach (var authorizer in authorizers)
        {
            var result = authorizer.Authorize(a);
            if (result.Decision != Decision.NoOpinion) return result;
            if (result.Reason.Length > 0) reasons.Add(result.Reason);
        }
        return new AuthorizationResult(Decision.NoOpinion, string.Join(", ", reasons));
    }
}
