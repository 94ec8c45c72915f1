using Bosun.Scheduler.Framework;
using Bosun.Scheduler.Plugins.PodTopologySpread;
using k8s.Models;

namespace Bosun.Scheduler.Tests.Plugins.PodTopologySpread;

public sealed class PodTopologySpreadPluginTests
{
    private const string Zone = "topology.kubernetes.io/zone";

    private static V1TopologySpreadConstraint Constraint(int maxSkew, string when = "DoNotSchedule") => new()
    {
        MaxSkew = maxSkew,
        TopologyKey = Zone,
        WhenUnsatisfiable = when,
        LabelSelector = new V1LabelSelector { MatchLabels = Build.Labels("app", "web") },
    };

    /// <summary>Zone a has two web pods, zone b one, zone c none; n4 has no zone label.</summary>
    private static List<NodeInfo> Cluster() =>
    [
        Build.NodeInfo(Build.Node("n1", labels: Build.Labels(Zone, "a")), Build.Pod("w1", labels: Build.Labels("app", "web")), Build.Pod("w2", labels: Build.Labels("app", "web"))),
        Build.NodeInfo(Build.Node("n2", labels: Build.Labels(Zone, "b")), Build.Pod("w3", labels: Build.Labels("app", "web")), Build.Pod("other", labels: Build.Labels("app", "db"))),
        Build.NodeInfo(Build.Node("n3", labels: Build.Labels(Zone, "c"))),
        Build.NodeInfo(Build.Node("n4", labels: Build.Labels("x", "y"))),
    ];

    [Theory]
    [InlineData(1, new[] { "skew", "skew", "ok", "label" })]
    [InlineData(2, new[] { "skew", "ok", "ok", "label" })]
    [InlineData(3, new[] { "ok", "ok", "ok", "label" })]
    public void Filter_DoNotSchedule_RejectsNodesThatWouldExceedMaxSkew(int maxSkew, string[] expected)
    {
        var pod = Build.Pod(labels: Build.Labels("app", "web"), spread: [Constraint(maxSkew)]).Info();
        var nodes = Cluster();
        var plugin = new PodTopologySpreadPlugin();
        var state = new CycleState();
        plugin.PreFilter(state, pod, Snapshot.From(nodes));

        var results = nodes.Select(n => plugin.Filter(state, pod, n)).Select(s => s.IsSuccess ? "ok"
            : s.Message == PodTopologySpreadPlugin.MissingLabelReason ? "label" : "skew").ToArray();

        Assert.Equal(expected, results);
    }

    [Fact]
    public void Score_ScheduleAnyway_PrefersEmptierDomains()
    {
        var pod = Build.Pod(labels: Build.Labels("app", "web"), spread: [Constraint(1, "ScheduleAnyway")]).Info();
        var nodes = Cluster().Take(3).ToList();
        var plugin = new PodTopologySpreadPlugin();
        var state = new CycleState();
        plugin.PreScore(state, pod, Snapshot.From(nodes));
        var scores = nodes.Select(n => plugin.Score(state, pod, n)).ToArray();

        plugin.NormalizeScore(state, pod, scores);

        Assert.Equal([0L, 50L, 100L], scores);
        Assert.True(plugin.Filter(state, pod, nodes[0]).IsSuccess);
    }
}
