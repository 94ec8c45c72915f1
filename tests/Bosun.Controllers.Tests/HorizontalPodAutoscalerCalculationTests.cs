using Bosun.Controllers.HorizontalPodAutoscalers;

namespace Bosun.Controllers.Tests;

/// <summary>The HPA's pure parts: the replica calculator and the behavior normalizer (stabilization, policies, limits).</summary>
public sealed class HorizontalPodAutoscalerCalculationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static List<PodInput> Pods(int count, decimal request = 0.1m, int unready = 0) =>
        Enumerable.Range(0, count).Select(i => new PodInput($"p{i}", "Running", i >= unready, false, request)).ToList();

    private static Dictionary<string, decimal> Usage(params decimal[] cores) =>
        cores.Select((c, i) => (c, i)).ToDictionary(x => $"p{x.i}", x => x.c);

    [Theory]
    // current, cpu usage per pod (cores, request 100m), target %, expected replicas, expected utilization
    [InlineData(4, new[] { 0.1, 0.1, 0.1, 0.1 }, 50, 8, 100)]      // 100% of a 50% target: double
    [InlineData(4, new[] { 0.053, 0.053, 0.053, 0.053 }, 50, 4, 53)] // ratio 1.06: inside the 0.1 tolerance
    [InlineData(4, new[] { 0.044, 0.044, 0.044, 0.044 }, 50, 4, 44)] // ratio 0.88: still 4 (ceil 3.52)
    [InlineData(4, new[] { 0.01, 0.01, 0.01, 0.01 }, 50, 1, 10)]    // ratio 0.2: ceil(0.8)
    [InlineData(3, new[] { 0.09, 0.06, 0.03 }, 50, 4, 60)]         // 60%: ceil(3 × 1.2)
    public void Utilization(int current, double[] usage, int target, int expected, int utilization)
    {
        var result = ReplicaCalculator.Calculate(current, new ResourceTarget("cpu", target, null), Pods(usage.Length),
            Usage(usage.Select(u => (decimal)u).ToArray()));
        Assert.Equal(expected, result.Replicas);
        Assert.Equal(utilization, result.Utilization);
    }

    [Fact]
    public void AverageValue_ScalesOnTheAverage()
    {
        var result = ReplicaCalculator.Calculate(2, new ResourceTarget("memory", null, 100m * 1024 * 1024), Pods(2, request: 0),
            Usage(300m * 1024 * 1024, 100m * 1024 * 1024));
        Assert.Equal(4, result.Replicas);   // average 200Mi against 100Mi
        Assert.Null(result.Utilization);
        Assert.Equal(200m * 1024 * 1024, result.AverageValue);
    }

    [Fact]
    public void MissingMetrics_OnScaleDown_CountAtTheTarget_AndCanCancelIt()
    {
        // Two pods at 10%, two without samples (counted at 100% of request): 55% against 50% — inside the tolerance.
        var result = ReplicaCalculator.Calculate(4, new ResourceTarget("cpu", 50, null), Pods(4), Usage(0.01m, 0.01m));
        Assert.Equal(4, result.Replicas);
    }

    [Fact]
    public void MissingMetrics_OnScaleUp_CountAsZero()
    {
        // Two pods at 200%, two without samples (zero): 100% against 50% over four pods → 8.
        var result = ReplicaCalculator.Calculate(4, new ResourceTarget("cpu", 50, null), Pods(4), Usage(0.2m, 0.2m));
        Assert.Equal(8, result.Replicas);
    }

    [Fact]
    public void UnreadyPods_CountAsZero_WhenScalingUp()
    {
        var pods = Pods(4, unready: 2);   // p0, p1 not Ready
        var usage = new Dictionary<string, decimal> { ["p2"] = 0.2m, ["p3"] = 0.2m };
        var result = ReplicaCalculator.Calculate(4, new ResourceTarget("cpu", 50, null), pods, usage);
        Assert.Equal(8, result.Replicas);   // 400m over 400m requested = 100% → ratio 2 over 4 pods
    }

    [Fact]
    public void Errors_AreUpstreamsMessages()
    {
        Assert.Equal("no pods returned by selector while calculating replica count",
            Assert.Throws<MetricException>(() => ReplicaCalculator.Calculate(1, new ResourceTarget("cpu", 50, null), [], Usage())).Message);
        Assert.Equal("did not receive metrics for targeted pods (pods might be unready)",
            Assert.Throws<MetricException>(() => ReplicaCalculator.Calculate(1, new ResourceTarget("cpu", 50, null), Pods(1, unready: 1), Usage())).Message);
        Assert.StartsWith("missing request for cpu",
            Assert.Throws<MetricException>(() => ReplicaCalculator.Calculate(1, new ResourceTarget("cpu", 50, null),
                [new PodInput("p0", "Running", true, false, null)], Usage(0.1m))).Message);
    }

    [Fact]
    public void DeletingAndFailedPods_AreIgnored()
    {
        List<PodInput> pods = [new("p0", "Running", true, false, 0.1m), new("p1", "Failed", false, false, 0.1m), new("p2", "Running", true, true, 0.1m)];
        var result = ReplicaCalculator.Calculate(1, new ResourceTarget("cpu", 50, null), pods, Usage(0.1m, 0.5m, 0.5m));
        Assert.Equal(2, result.Replicas);
        Assert.Equal(100, result.Utilization);
    }

    private static ScalingBehavior NoWindows(ScalingRules? up = null, ScalingRules? down = null) =>
        new(up ?? ScalingBehavior.DefaultScaleUp, down ?? ScalingBehavior.DefaultScaleDown with { StabilizationWindowSeconds = 0 });

    [Theory]
    // current, desired, min, max, expected, limited, reason
    [InlineData(4, 20, 1, 10, 8, true, "ScaleUpLimit")]       // max(4+4, 2×4) per 15 s
    [InlineData(4, 20, 1, 6, 6, true, "TooManyReplicas")]
    [InlineData(4, 6, 1, 10, 6, false, "DesiredWithinRange")]
    [InlineData(4, 0, 2, 10, 2, true, "TooFewReplicas")]
    [InlineData(4, 3, 1, 10, 3, false, "DesiredWithinRange")]
    public void Limits(int current, int desired, int min, int max, int expected, bool limited, string reason)
    {
        var result = ScalingNormalizer.Normalize(NoWindows(), new ScalingHistory(), T0, current, desired, min, max);
        Assert.Equal(expected, result.Replicas);
        Assert.Equal(limited, result.Limited);
        Assert.Equal(reason, result.LimitedReason);
    }

    [Fact]
    public void ScaleUpPolicies_SelectMinAndDisabled()
    {
        var rules = new ScalingRules(0, "Min", [new("Pods", 2, 60), new("Percent", 100, 60)]);
        Assert.Equal(6, ScalingNormalizer.Normalize(NoWindows(up: rules), new ScalingHistory(), T0, 4, 20, 1, 100).Replicas);
        Assert.Equal(4, ScalingNormalizer.Normalize(NoWindows(up: rules with { SelectPolicy = "Disabled" }), new ScalingHistory(), T0, 4, 20, 1, 100).Replicas);
    }

    [Fact]
    public void ScaleDownPolicy_CountsEventsInItsPeriod()
    {
        var behavior = NoWindows(down: new ScalingRules(0, "Max", [new("Pods", 1, 60)]));
        var history = new ScalingHistory();
        var first = ScalingNormalizer.Normalize(behavior, history, T0, 5, 1, 1, 10);
        Assert.Equal((4, "ScaleDownLimit"), (first.Replicas, first.LimitedReason));
        history.RecordScale(T0, 5, 4);
        // 30 s later the period still holds the one pod removed: no further change allowed.
        Assert.Equal(4, ScalingNormalizer.Normalize(behavior, history, T0.AddSeconds(30), 4, 1, 1, 10).Replicas);
        // After the period, one more.
        Assert.Equal(3, ScalingNormalizer.Normalize(behavior, history, T0.AddSeconds(61), 4, 1, 1, 10).Replicas);
    }

    [Fact]
    public void ScaleDownPercentPolicy_Truncates()
    {
        var behavior = NoWindows(down: new ScalingRules(0, "Max", [new("Percent", 50, 15)]));
        Assert.Equal(2, ScalingNormalizer.Normalize(behavior, new ScalingHistory(), T0, 5, 1, 1, 10).Replicas);   // int(5 × 0.5)
    }

    [Fact]
    public void ScaleDown_IsStabilizedOverTheDefaultWindow()
    {
        var behavior = ScalingBehavior.Default;
        var history = new ScalingHistory();
        Assert.Equal(8, ScalingNormalizer.Normalize(behavior, history, T0, 8, 8, 1, 10).Replicas);
        var held = ScalingNormalizer.Normalize(behavior, history, T0.AddSeconds(60), 8, 2, 1, 10);
        Assert.Equal((8, "ScaleDownStabilized"), (held.Replicas, held.AbleReason));
        Assert.Equal(8, ScalingNormalizer.Normalize(behavior, history, T0.AddSeconds(299), 8, 2, 1, 10).Replicas);
        var after = ScalingNormalizer.Normalize(behavior, history, T0.AddSeconds(301), 8, 2, 1, 10);
        Assert.Equal((2, "ReadyForNewScale"), (after.Replicas, after.AbleReason));
    }

    [Fact]
    public void ScaleUp_StabilizationWindow_TakesTheLowestRecommendation()
    {
        var behavior = ScalingBehavior.Default with { ScaleUp = ScalingBehavior.DefaultScaleUp with { StabilizationWindowSeconds = 60 } };
        var history = new ScalingHistory();
        Assert.Equal(3, ScalingNormalizer.Normalize(behavior, history, T0, 3, 3, 1, 10).Replicas);
        var held = ScalingNormalizer.Normalize(behavior, history, T0.AddSeconds(15), 3, 6, 1, 10);
        Assert.Equal((3, "ScaleUpStabilized"), (held.Replicas, held.AbleReason));
        Assert.Equal(6, ScalingNormalizer.Normalize(behavior, history, T0.AddSeconds(61), 3, 6, 1, 10).Replicas);
    }

    [Fact]
    public void Behavior_DefaultsMissingParts()
    {
        var b = ScalingBehavior.From(new k8s.Models.V2HorizontalPodAutoscalerBehavior
        {
            ScaleDown = new k8s.Models.V2HPAScalingRules { StabilizationWindowSeconds = 30 },
        });
        Assert.Equal(30, b.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal(ScalingBehavior.DefaultScaleDown.Policies, b.ScaleDown.Policies);
        Assert.Equal(ScalingBehavior.DefaultScaleUp, b.ScaleUp);
    }

    [Fact]
    public void ScalePath_ForTheUsualKinds()
    {
        Assert.Equal("/apis/apps/v1/namespaces/ns/deployments/web/scale",
            HorizontalPodAutoscalerController.ScalePath("ns", new k8s.Models.V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" }));
        Assert.Equal("/api/v1/namespaces/ns/replicationcontrollers/rc/scale",
            HorizontalPodAutoscalerController.ScalePath("ns", new k8s.Models.V2CrossVersionObjectReference { ApiVersion = "v1", Kind = "ReplicationController", Name = "rc" }));
    }
}
