using Bosun.Controllers.DaemonSets;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>Which nodes a daemon pod belongs on.</summary>
public sealed class NodeEligibilityTests
{
    private static V1Node Node(Dictionary<string, string>? labels = null, params V1Taint[] taints) => new()
    {
        Metadata = new V1ObjectMeta { Name = "n1", Labels = labels ?? [] },
        Spec = new V1NodeSpec { Taints = taints },
    };

    private static V1PodSpec Spec(V1NodeSelectorRequirement? expression = null, params V1Toleration[] tolerations) => new()
    {
        Containers = [new V1Container { Name = "c", Image = "i" }],
        Tolerations = tolerations,
        Affinity = expression is null ? null : new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [expression] }],
                },
            },
        },
    };

    [Theory]
    [InlineData("In", "ssd", true)]
    [InlineData("In", "hdd", false)]
    [InlineData("NotIn", "hdd", true)]
    [InlineData("Exists", null, true)]
    [InlineData("DoesNotExist", null, false)]
    public void ShouldRun_RequiredNodeAffinity_MatchesExpression(string op, string? value, bool expected)
    {
        var expression = new V1NodeSelectorRequirement { Key = "disk", OperatorProperty = op, Values = value is null ? null : [value] };
        Assert.Equal(expected, NodeEligibility.ShouldRun(Spec(expression), Node(new() { ["disk"] = "ssd" })));
    }

    [Fact]
    public void ShouldRun_NoScheduleTaintNotTolerated_IsFalse() =>
        Assert.False(NodeEligibility.ShouldRun(Spec(), Node(null, new V1Taint { Key = "gpu", Effect = "NoSchedule" })));

    [Fact]
    public void ShouldRun_TaintToleratedByKeyAndValue_IsTrue() =>
        Assert.True(NodeEligibility.ShouldRun(
            Spec(null, new V1Toleration { Key = "gpu", OperatorProperty = "Equal", Value = "a", Effect = "NoSchedule" }),
            Node(null, new V1Taint { Key = "gpu", Value = "a", Effect = "NoSchedule" })));

    [Fact]
    public void ShouldRun_UnschedulableTaint_ToleratedByDaemonDefaults() =>
        Assert.True(NodeEligibility.ShouldRun(Spec(), Node(null, new V1Taint { Key = "node.kubernetes.io/unschedulable", Effect = "NoSchedule" })));

    [Fact]
    public void PinToNode_ReplacesRequiredTerms_NodeOfReadsItBack()
    {
        var spec = Spec(new V1NodeSelectorRequirement { Key = "disk", OperatorProperty = "Exists" });
        NodeEligibility.PinToNode(spec, "n7");
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p" }, Spec = spec };
        Assert.Equal("n7", NodeEligibility.NodeOf(pod));
        Assert.Null(Assert.Single(spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms).MatchExpressions);
    }
}
