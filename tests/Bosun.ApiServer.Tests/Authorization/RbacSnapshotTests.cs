using Bosun.ApiServer.Authorization;
using Bosun.ApiServer.Security;

namespace Bosun.ApiServer.Tests.Authorization;

public sealed class RbacSnapshotTests
{
    private static readonly UserInfo Alice = new("alice", "", ["devs", "system:authenticated"]);
    private static readonly UserInfo Builder = new("system:serviceaccount:team:builder", "u", ["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"]);

    private static RbacSnapshot Snapshot(RbacBinding[] bindings, RbacBinding[]? clusterBindings = null, RbacRole[]? roles = null)
    {
        var defaults = BootstrapPolicy.ClusterRoles.Select(BootstrapPolicy.ToRole).ToList();
        var aggregated = Aggregation.Compute(defaults);
        return new RbacSnapshot(defaults.Select(r => r with { Rules = aggregated[r.Name] }), roles ?? [],
            (clusterBindings ?? []).Concat(BootstrapPolicy.Bindings.Select(b => new RbacBinding("", b.Name, "ClusterRole", b.Role, b.Subjects))), bindings);
    }

    private static RbacBinding ViewFor(string ns, RbacSubject subject) => new(ns, "v", "ClusterRole", "view", [subject]);

    private static Decision Decide(RbacSnapshot s, UserInfo user, string verb, string resource, string ns, string group = "", string sub = "", string name = "") =>
        s.Authorize(AuthorizationAttributes.ForResource(user, verb, group, resource, ns, name, sub)).Decision;

    [Fact]
    public void ViewBinding_AllowsReadsInItsNamespaceOnly()
    {
        var s = Snapshot([ViewFor("team", new RbacSubject("User", "alice", ""))]);

        Assert.Equal(Decision.Allow, Decide(s, Alice, "get", "pods", "team"));
        Assert.Equal(Decision.Allow, Decide(s, Alice, "list", "deployments", "team", "apps"));
        Assert.Equal(Decision.Allow, Decide(s, Alice, "get", "pods", "team", sub: "log"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "delete", "pods", "team"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "get", "pods", "other"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "get", "secrets", "team"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "list", "pods", ""));
    }

    [Fact]
    public void EditAggregatesView_AdminAggregatesEdit()
    {
        var s = Snapshot([new RbacBinding("team", "e", "ClusterRole", "edit", [new RbacSubject("Group", "devs", "")])]);
        Assert.Equal(Decision.Allow, Decide(s, Alice, "delete", "pods", "team"));
        Assert.Equal(Decision.Allow, Decide(s, Alice, "get", "limitranges", "team"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "create", "rolebindings", "team", "rbac.authorization.k8s.io"));

        var admin = Snapshot([new RbacBinding("team", "a", "ClusterRole", "admin", [new RbacSubject("Group", "devs", "")])]);
        Assert.Equal(Decision.Allow, Decide(admin, Alice, "create", "rolebindings", "team", "rbac.authorization.k8s.io"));
        Assert.Equal(Decision.Allow, Decide(admin, Alice, "get", "secrets", "team"));
    }

    [Fact]
    public void ServiceAccountSubject_WithoutNamespace_TakesBindingNamespace()
    {
        var s = Snapshot([ViewFor("team", new RbacSubject("ServiceAccount", "builder", ""))]);
        Assert.Equal(Decision.Allow, Decide(s, Builder, "get", "configmaps", "team"));

        var elsewhere = Snapshot([ViewFor("team", new RbacSubject("ServiceAccount", "builder", "other"))]);
        Assert.Equal(Decision.NoOpinion, Decide(elsewhere, Builder, "get", "configmaps", "team"));
    }

    [Fact]
    public void ResourceNames_RestrictToNamedObjects()
    {
        var role = new RbacRole("team", "one", [PolicyRule.ForResources(["get", "update"], [""], ["configmaps"], ["settings"])]);
        var s = Snapshot([new RbacBinding("team", "b", "Role", "one", [new RbacSubject("User", "alice", "")])], roles: [role]);

        Assert.Equal(Decision.Allow, Decide(s, Alice, "get", "configmaps", "team", name: "settings"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "get", "configmaps", "team", name: "other"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "list", "configmaps", "team"));
    }

    [Fact]
    public void WildcardSubresourceRule_MatchesAnyResourceWithThatSubresource()
    {
        var role = new RbacRole("team", "scaler", [PolicyRule.ForResources(["update"], ["*"], ["*/scale"])]);
        var s = Snapshot([new RbacBinding("team", "b", "Role", "scaler", [new RbacSubject("User", "alice", "")])], roles: [role]);

        Assert.Equal(Decision.Allow, Decide(s, Alice, "update", "deployments", "team", "apps", "scale"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "update", "deployments", "team", "apps"));
    }

    [Fact]
    public void BindingToMissingRole_ReasonNamesIt()
    {
        var s = Snapshot([new RbacBinding("team", "b", "ClusterRole", "ghost", [new RbacSubject("User", "alice", "")])]);
        var result = s.Authorize(AuthorizationAttributes.ForResource(Alice, "get", "", "pods", "team"));

        Assert.Equal(Decision.NoOpinion, result.Decision);
        Assert.Equal("RBAC: clusterrole.rbac.authorization.k8s.io \"ghost\" not found", result.Reason);
    }

    [Fact]
    public void DefaultBindings_AuthenticatedUsersMayDiscoverAndReviewThemselves()
    {
        var s = Snapshot([]);
        Assert.Equal(Decision.Allow, s.Authorize(AuthorizationAttributes.ForPath(Alice, "get", "/apis/apps/v1")).Decision);
        Assert.Equal(Decision.Allow, s.Authorize(AuthorizationAttributes.ForPath(Alice, "get", "/openapi/v3")).Decision);
        Assert.Equal(Decision.NoOpinion, s.Authorize(AuthorizationAttributes.ForPath(Alice, "get", "/metrics")).Decision);
        Assert.Equal(Decision.Allow, Decide(s, Alice, "create", "selfsubjectaccessreviews", "", "authorization.k8s.io"));
        Assert.Equal(Decision.NoOpinion, Decide(s, Alice, "create", "subjectaccessreviews", "", "authorization.k8s.io"));
    }

    [Fact]
    public void SchedulerIdentity_MayBindPodsButNotReadSecrets()
    {
        var scheduler = new UserInfo("system:kube-scheduler", "", ["system:authenticated"]);
        var s = Snapshot([]);
        Assert.Equal(Decision.Allow, Decide(s, scheduler, "create", "pods", "team", sub: "binding"));
        Assert.Equal(Decision.Allow, Decide(s, scheduler, "watch", "nodes", ""));
        Assert.Equal(Decision.NoOpinion, Decide(s, scheduler, "get", "secrets", "team"));
    }

    [Fact]
    public void Masters_AllowedWithoutAnyBinding()
    {
        var admin = new UserInfo("system:admin", "", ["system:masters", "system:authenticated"]);
        var chain = new UnionAuthorizer(new MastersAuthorizer(), new RbacAuthorizer(() => RbacSnapshot.Empty));
        Assert.Equal(Decision.Allow, chain.Authorize(AuthorizationAttributes.ForResource(admin, "delete", "", "nodes")).Decision);
        Assert.Equal(Decision.NoOpinion, chain.Authorize(AuthorizationAttributes.ForResource(Alice, "get", "", "pods", "x")).Decision);
    }

    [Fact]
    public void ForbiddenMessage_IsWordedAsKubernetes()
    {
        var a = AuthorizationAttributes.ForResource(Alice, "delete", "", "pods", "default", "x");
        Assert.Equal("pods \"x\" is forbidden: User \"alice\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"",
            Forbidden.Exception(a, "").Message);

        var list = AuthorizationAttributes.ForResource(Alice, "list", "apps", "deployments");
        Assert.Equal("deployments.apps is forbidden: User \"alice\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope",
            Forbidden.Exception(list, "").Message);

        var sub = AuthorizationAttributes.ForResource(Alice, "create", "", "pods", "default", "x", "exec");
        Assert.Equal("pods \"x\" is forbidden: User \"alice\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"default\"",
            Forbidden.Exception(sub, "").Message);

        Assert.Equal("forbidden: User \"alice\" cannot get path \"/metrics\"",
            Forbidden.Exception(AuthorizationAttributes.ForPath(Alice, "get", "/metrics"), "").Message);
    }
}
