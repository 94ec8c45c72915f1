using System.Text.Json.Nodes;
using Bosun.ApiServer.Authorization;

namespace Bosun.ApiServer.Tests.Authorization;

public sealed class AggregationTests
{
    private static JsonObject Selector(string label) => new() { ["matchLabels"] = new JsonObject { [label] = "true" } };

    [Fact]
    public void Compute_CustomRoleWithViewLabel_FlowsIntoViewEditAndAdmin()
    {
        var roles = BootstrapPolicy.ClusterRoles.Select(BootstrapPolicy.ToRole).ToList();
        var widgets = PolicyRule.ForResources(["get"], ["example.com"], ["widgets"]);
        roles.Add(new RbacRole("", "widget-viewer", [widgets]) { Labels = new Dictionary<string, string> { [BootstrapRoles.AggregateToView] = "true" } });

        var rules = Aggregation.Compute(roles);

        Assert.Contains(widgets, rules["view"], Aggregation.RuleComparer.Instance);
        Assert.Contains(widgets, rules["edit"], Aggregation.RuleComparer.Instance);
        Assert.Contains(widgets, rules["admin"], Aggregation.RuleComparer.Instance);
        Assert.DoesNotContain(widgets, rules["cluster-admin"], Aggregation.RuleComparer.Instance);
    }

    [Fact]
    public void Compute_SelfSelectingRole_DoesNotIncludeItself()
    {
        var own = PolicyRule.ForResources(["get"], [""], ["pods"]);
        var role = new RbacRole("", "loop", [own], [Selector("x")]) { Labels = new Dictionary<string, string> { ["x"] = "true" } };
        Assert.Empty(Aggregation.Compute([role])["loop"]);
    }
}

public sealed class PolicyRuleJsonTests
{
    [Fact]
    public void FromJson_KeepsCoreGroupEmptyString()
    {
        var rule = PolicyRule.FromJson((JsonObject)JsonNode.Parse("""{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}""")!);
        var user = new Bosun.ApiServer.Security.UserInfo("u", "", []);
        Assert.True(rule.Allows(AuthorizationAttributes.ForResource(user, "get", "", "pods", "ns")));
        Assert.Equal("""{"apiGroups":[""],"resources":["pods"],"verbs":["get"]}""", rule.ToJson().ToJsonString());
    }
}
