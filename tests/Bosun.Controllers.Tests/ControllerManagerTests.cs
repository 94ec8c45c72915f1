using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Controllers.Tests;

/// <summary>All controllers together, with workers, against one API server (integration style: waits by polling).</summary>
public sealed class ControllerManagerTests
{
    [Fact]
    public async Task RunControllers_DeploymentScaled3To5To2ThenDeleted_PodsEndpointsAndGarbageFollow()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        var manager = new ControllerManager(cluster.Api, NullLoggerFactory.Instance, TimeProvider.System, "test");
        var running = manager.RunControllersAsync(cts.Token);
        var kubelet = MarkPodsReadyAsync(cluster, cts.Token);
        var labels = new Dictionary<string, string> { ["app"] = "web" };
        await cluster.Api.CreateAsync("default", new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1DeploymentSpec { Replicas = 3, Selector = new V1LabelSelector { MatchLabels = labels }, Template = Build.Template(labels) },
        }, cts.Token);

        foreach (var replicas in new[] { 3, 5, 2 })
        {
            // A merge patch, as `kubectl scale` would send: the controller's status writes cannot make it conflict.
            await cluster.Api.PatchAsync<V1Deployment>("default", "web", "application/merge-patch+json", "{\"spec\":{\"replicas\":" + replicas + "}}", cts.Token);
            await TestCluster.EventuallyAsync(async () =>
            {
                var live = await cluster.Api.GetAsync<V1Deployment>("default", "web", cts.Token);
                var pods = (await cluster.Api.ListAsync<V1PodList>(typeof(V1Pod), "default", Client.ListQuery.Everything, cts.Token)).Items;
                return live.Status?.ObservedGeneration >= live.Metadata.Generation && live.Status.AvailableReplicas == replicas
                    && live.Status.UpdatedReplicas == replicas && live.Status.Replicas == replicas && pods.Count == replicas;
            }, TimeSpan.FromSeconds(15), $"{replicas} replicas");
        }

        var rs = await cluster.Api.ListAsync<V1ReplicaSetList>(typeof(V1ReplicaSet), "default", Client.ListQuery.Everything, cts.Token);
        Assert.Equal(2, Assert.Single(rs.Items).Spec.Replicas);
        Assert.NotNull(await cluster.Api.TryGetAsync<V1ServiceAccount>("default", "default", cts.Token));

        // A Service over the pods gets their addresses; deleting the Deployment takes everything it owns with it.
        await cluster.Api.CreateAsync("default", new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec { Selector = labels, Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }] },
        }, cts.Token);
        await TestCluster.EventuallyAsync(async () =>
            (await cluster.Api.TryGetAsync<V1Endpoints>("default", "web", cts.Token))?.Subsets?.SingleOrDefault()?.Addresses?.Count == 2,
            TimeSpan.FromSeconds(15), "endpoints");
        await cluster.Api.DeleteAsync<V1Deployment>("default", "web", cts.Token);
        await TestCluster.EventuallyAsync(async () =>
            (await cluster.Api.ListAsync<V1PodList>(typeof(V1Pod), "default", Client.ListQuery.Everything, cts.Token)).Items.Count == 0
            && (await cluster.Api.ListAsync<V1ReplicaSetList>(typeof(V1ReplicaSet), "default", Client.ListQuery.Everything, cts.Token)).Items.Count == 0,
            TimeSpan.FromSeconds(15), "garbage collected");
        await cts.CancelAsync();
        try { await Task.WhenAll(running, kubelet); } catch (OperationCanceledException) { }
    }

    [Fact]
    public async Task RunControllers_WorkloadKinds_JobCompletesAndExpiresStatefulSetAndDaemonSetReady()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(50));
        var manager = new ControllerManager(cluster.Api, NullLoggerFactory.Instance, TimeProvider.System, "test");
        var running = manager.RunControllersAsync(cts.Token);
        var kubelet = MarkPodsReadyAsync(cluster, cts.Token);
        foreach (var n in new[] { "n1", "n2" })
            await cluster.Api.CreateAsync<V1Node>(null, new V1Node { Metadata = new V1ObjectMeta { Name = n } }, cts.Token);
        var job = JobControllerTests.Job("once", completions: 2, parallelism: 2, ttl: 0);
        await cluster.Api.CreateAsync("default", job, cts.Token);
        var labels = new Dictionary<string, string> { ["app"] = "db" };
        await cluster.Api.CreateAsync("default", new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db", NamespaceProperty = "default" },
            Spec = new V1StatefulSetSpec { Replicas = 3, ServiceName = "db", Selector = new V1LabelSelector { MatchLabels = labels }, Template = Build.Template(labels) },
        }, cts.Token);
        var agent = new Dictionary<string, string> { ["app"] = "agent" };
        await cluster.Api.CreateAsync("default", new V1DaemonSet
        {
            Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = "default" },
            Spec = new V1DaemonSetSpec { Selector = new V1LabelSelector { MatchLabels = agent }, Template = Build.Template(agent) },
        }, cts.Token);

        await TestCluster.EventuallyAsync(async () =>
        {
            var sts = await cluster.Api.GetAsync<V1StatefulSet>("default", "db", cts.Token);
            var ds = await cluster.Api.GetAsync<V1DaemonSet>("default", "agent", cts.Token);
            return sts.Status?.ReadyReplicas == 3 && ds.Status?.NumberReady == 2 && ds.Status.DesiredNumberScheduled == 2;
        }, TimeSpan.FromSeconds(20), "statefulset and daemonset ready");
        // ttlSecondsAfterFinished 0: the completed Job is deleted, and its pods with it.
        await TestCluster.EventuallyAsync(async () =>
            await cluster.Api.TryGetAsync<V1Job>("default", "once", cts.Token) is null
            && (await cluster.Api.ListAsync<V1PodList>(typeof(V1Pod), "default", Client.ListQuery.Everything, cts.Token)).Items
                .All(p => p.Metadata.Labels?.ContainsKey("job-name") != true),
            TimeSpan.FromSeconds(20), "job completed and expired");
        await cts.CancelAsync();
        try { await Task.WhenAll(running, kubelet); } catch (OperationCanceledException) { }
    }

    /// <summary>Stands in for node agents: every pod is reported running and ready shortly after it appears.</summary>
    private static async Task MarkPodsReadyAsync(TestCluster cluster, CancellationToken ct)
    {
        var assigned = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var pods = await cluster.Api.ListAsync<V1PodList>(typeof(V1Pod), "default", Client.ListQuery.Everything, ct);
                foreach (var pod in pods.Items.Where(p => !Common.Pods.IsReady(p) && p.Status?.Phase != "Succeeded"))
                {
                    pod.Status ??= new V1PodStatus();
                    pod.Status.Phase = pod.Metadata.Labels?.ContainsKey("job-name") == true ? "Succeeded" : "Running";
                    var n = ++assigned;
                    pod.Status.PodIP = $"10.2.{n / 250}.{n % 250 + 1}";
                    pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow }];
                    try { await cluster.Api.UpdateStatusAsync("default", pod.Metadata.Name, pod, ct); }
                    catch (Client.ApiException) { }   // deleted or changed meanwhile: next round
                }
                await Task.Delay(50, ct);
            }
            catch (OperationCanceledException) { return; }
        }
    }
}
