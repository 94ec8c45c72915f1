using Bosun.Client;
using Bosun.Testing;
using Bosun.Controllers.HorizontalPodAutoscalers;
using k8s.Models;

namespace Bosun.Controllers.Tests;

/// <summary>
/// The HPA controller against a real API server: pods' usage reported through the node-metrics write path, read back
/// through the metrics API, the Deployment resized through its scale subresource.
/// </summary>
public sealed class HorizontalPodAutoscalerControllerTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web" };

    private static V1Deployment Deployment(int replicas) => new()
    {
        ApiVersion = "apps/v1", Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1DeploymentSpec { Replicas = replicas, Selector = new V1LabelSelector { MatchLabels = Labels }, Template = Build.Template(Labels) },
    };

    private static V2HorizontalPodAutoscaler Hpa() => new()
    {
        ApiVersion = "autoscaling/v2", Kind = "HorizontalPodAutoscaler",
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V2HorizontalPodAutoscalerSpec
        {
            ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
            MinReplicas = 1, MaxReplicas = 10,
            Metrics = [new V2MetricSpec
            {
                Type = "Resource",
                Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 50 } },
            }],
        },
    };

    /// <summary>Pods as the ReplicaSet controller would make them: 100m CPU requested, running and ready.</summary>
    private static async Task AddPodsAsync(ControllerFixture f, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            var pod = Build.Pod($"web-{i}", Labels);
            pod.Spec.NodeName = "node-a";
            pod.Spec.Containers[0].Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") } };
            await f.Api.CreateAsync("default", pod, f.Ct);
            await f.MarkReadyAsync(pod);
        }
        await f.SettleAsync();
    }

    /// <summary>What a node agent reports: every pod at the same CPU usage.</summary>
    private static Task ReportAsync(ControllerFixture f, int pods, string cpu) =>
        f.Api.ReportNodeMetricsAsync("node-a", new NodeMetricsReport(null, "15s", null,
            Enumerable.Range(0, pods).Select(i => new PodMetricsReport("default", $"web-{i}",
                [new ContainerMetricsReport("app", new Dictionary<string, string> { ["cpu"] = cpu, ["memory"] = "32Mi" })])).ToList()), f.Ct);

    private static async Task<int> ReplicasAsync(ControllerFixture f) =>
        (await f.Api.GetAsync<V1Deployment>("default", "web", f.Ct)).Spec.Replicas ?? 0;

    [Fact]
    public async Task ScalesUpOnUsage_AndDownAfterTheStabilizationWindow()
    {
        await using var f = await ControllerFixture.StartAsync();
        var hpa = f.Add(new HorizontalPodAutoscalerController(f.Context));
        await f.StartInformersAsync();
        _ = Task.Run(() => f.Context.Events.RunAsync(f.Ct));
        await f.Api.CreateAsync("default", Deployment(2), f.Ct);
        await AddPodsAsync(f, 0, 2);
        await f.Api.CreateAsync("default", Hpa(), f.Ct);
        await f.SettleAsync();

        // 90% of request against a 50% target: ceil(2 × 1.8) = 4.
        await ReportAsync(f, 2, "90m");
        var result = await f.ReconcileAsync(hpa, "default", "web");
        Assert.Equal(HorizontalPodAutoscalerController.Resync, result.RequeueAfter);
        Assert.Equal(4, await ReplicasAsync(f));
        var status = (await f.Api.GetAsync<V2HorizontalPodAutoscaler>("default", "web", f.Ct)).Status;
        Assert.Equal(4, status.DesiredReplicas);
        Assert.Equal(2, status.CurrentReplicas);
        Assert.Equal(90, status.CurrentMetrics.Single().Resource.Current.AverageUtilization);
        Assert.NotNull(status.LastScaleTime);
        Assert.Equal("SucceededRescale", status.Conditions.Single(c => c.Type == "AbleToScale").Reason);
        Assert.Equal("ValidMetricFound", status.Conditions.Single(c => c.Type == "ScalingActive").Reason);
        Assert.Equal("DesiredWithinRange", status.Conditions.Single(c => c.Type == "ScalingLimited").Reason);
        await TestCluster.EventuallyAsync(async () =>
            (await f.ListAsync<Corev1Event>()).Any(e => e.Reason == "SuccessfulRescale"
                && e.Message == "New size: 4; reason: cpu resource utilization (percentage of request) above target"),
            TimeSpan.FromSeconds(10), "SuccessfulRescale event");

        // The new pods arrive; usage drops to 10%. The 300 s window holds the scale at 4 for now.
        await AddPodsAsync(f, 2, 4);
        await ReportAsync(f, 4, "10m");
        f.Time.Advance(TimeSpan.FromSeconds(15));
        await f.ReconcileAsync(hpa, "default", "web");
        Assert.Equal(4, await ReplicasAsync(f));
        status = (await f.Api.GetAsync<V2HorizontalPodAutoscaler>("default", "web", f.Ct)).Status;
        Assert.Equal("ScaleDownStabilized", status.Conditions.Single(c => c.Type == "AbleToScale").Reason);
        Assert.Equal(10, status.CurrentMetrics.Single().Resource.Current.AverageUtilization);

        // Past the window: down to ceil(4 × 0.2) = 1.
        f.Time.Advance(TimeSpan.FromSeconds(301));
        await f.ReconcileAsync(hpa, "default", "web");
        Assert.Equal(1, await ReplicasAsync(f));
        await TestCluster.EventuallyAsync(async () =>
            (await f.ListAsync<Corev1Event>()).Any(e => e.Reason == "SuccessfulRescale" && e.Message == "New size: 1; reason: All metrics below target"),
            TimeSpan.FromSeconds(10), "scale-down event");
    }

    [Fact]
    public async Task WithoutMetrics_ReportsScalingInactive()
    {
        await using var f = await ControllerFixture.StartAsync();
        var hpa = f.Add(new HorizontalPodAutoscalerController(f.Context));
        await f.StartInformersAsync();
        await f.Api.CreateAsync("default", Deployment(2), f.Ct);
        await AddPodsAsync(f, 0, 2);
        await f.Api.CreateAsync("default", Hpa(), f.Ct);
        await f.SettleAsync();

        await f.ReconcileAsync(hpa, "default", "web");
        Assert.Equal(2, await ReplicasAsync(f));
        var status = (await f.Api.GetAsync<V2HorizontalPodAutoscaler>("default", "web", f.Ct)).Status;
        var active = status.Conditions.Single(c => c.Type == "ScalingActive");
        Assert.Equal(("False", "FailedGetResourceMetric"), (active.Status, active.Reason));
        Assert.Equal(2, status.CurrentReplicas);
    }
}
