using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.NodeAffinity;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Plugins.NodeAffinity;

public sealed class NodeAffinityPluginTests
{
    private static readonly Dictionary<string, string> NodeLabels = Build.Labels("zone", "a", "disk", "ssd", "cores", "8");

    public static TheoryData<string, Dictionary<string, string>?, V1Affinity?, bool> FilterCases => new()
    {
        { "nothing required", null, null, true },
        { "nodeSelector matches", Build.Labels("zone", "a"), null, true },
        { "nodeSelector value differs", Build.Labels("zone", "b"), null, false },
        { "nodeSelector label missing", Build.Labels("gpu", "true"), null, false },
        { "In", null, Build.RequiredNodeAffinity(Build.Req("zone", "In", "a", "b")), true },
        { "In, no match", null, Build.RequiredNodeAffinity(Build.Req("zone", "In", "c")), false },
        { "NotIn", null, Build.RequiredNodeAffinity(Build.Req("zone", "NotIn", "b")), true },
        { "NotIn, excluded", null, Build.RequiredNodeAffinity(Build.Req("zone", "NotIn", "a")), false },
        { "Exists", null, Build.RequiredNodeAffinity(Build.Req("disk", "Exists")), true },
        { "DoesNotExist", null, Build.RequiredNodeAffinity(Build.Req("gpu", "DoesNotExist")), true },
        { "DoesNotExist, present", null, Build.RequiredNodeAffinity(Build.Req("disk", "DoesNotExist")), false },
        { "Gt", null, Build.RequiredNodeAffinity(Build.Req("cores", "Gt", "4")), true },
        { "Gt, not greater", null, Build.RequiredNodeAffinity(Build.Req("cores", "Gt", "8")), false },
        { "Lt", null, Build.RequiredNodeAffinity(Build.Req("cores", "Lt", "16")), true },
        { "Lt, not a number", null, Build.RequiredNodeAffinity(Build.Req("zone", "Lt", "16")), false },
        { "all requirements of a term", null, Build.RequiredNodeAffinity(Build.Req("zone", "In", "a"), Build.Req("disk", "In", "hdd")), false },
        { "selector and affinity both", Build.Labels("zone", "b"), Build.RequiredNodeAffinity(Build.Req("zone", "In", "a")), false },
        { "empty terms match nothing", null, new V1Affinity { NodeAffinity = new V1NodeAffinity { RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector { NodeSelectorTerms = [new V1NodeSelectorTerm()] } } }, false },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public void Filter_SelectorAndRequiredAffinity_MatchNodeLabels(string name, Dictionary<string, string>? selector, V1Affinity? affinity, bool fits)
    {
        var pod = Build.Pod(nodeSelector: selector, affinity: affinity).Info();

        var status = new NodeAffinityPlugin().Filter(new CycleState(), pod, Build.NodeInfo(Build.Node(labels: NodeLabels)));

        Assert.True((fits ? Status.Success : Status.UnschedulableAndUnresolvable("node(s) didn't match Pod's node affinity/selector")) == status, name);
    }

    [Fact]
    public void Filter_MatchFieldsOnName_MatchesThatNode()
    {
        var affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchFields = [Build.Req("metadata.name", "In", "n2")] }],
                },
            },
        };
        var pod = Build.Pod(affinity: affinity).Info();
        var plugin = new NodeAffinityPlugin();

        Assert.False(plugin.Filter(new(), pod, Build.NodeInfo(Build.Node("n1"))).IsSuccess);
        Assert.True(plugin.Filter(new(), pod, Build.NodeInfo(Build.Node("n2"))).IsSuccess);
    }

    [Fact]
    public void Score_PreferredTerms_SumWeightsAndNormalize()
    {
        var affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PreferredSchedulingTerm { Weight = 10, Preference = new V1NodeSelectorTerm { MatchExpressions = [Build.Req("zone", "In", "a")] } },
                    new V1PreferredSchedulingTerm { Weight = 30, Preference = new V1NodeSelectorTerm { MatchExpressions = [Build.Req("disk", "In", "ssd")] } },
                ],
            },
        };
        var pod = Build.Pod(affinity: affinity).Info();
        var plugin = new NodeAffinityPlugin();
        long[] scores =
        [
            plugin.Score(new(), pod, Build.NodeInfo(Build.Node("a", labels: Build.Labels("zone", "a", "disk", "ssd")))),
            plugin.Score(new(), pod, Build.NodeInfo(Build.Node("b", labels: Build.Labels("disk", "ssd")))),
            plugin.Score(new(), pod, Build.NodeInfo(Build.Node("c", labels: Build.Labels("zone", "b")))),
        ];

        plugin.NormalizeScore(new(), pod, scores);

        Assert.Equal([100L, 75L, 0L], scores);
    }
}
