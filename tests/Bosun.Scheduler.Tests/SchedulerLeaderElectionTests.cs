using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Scheduler.Tests;

[Trait("Category", "Integration")]
public sealed class SchedulerLeaderElectionTests
{
    [Fact]
    public async Task RunAsync_TakesTheKubeSchedulerLeaseAndSchedules()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var stop = new CancellationTokenSource();
        var nodes = new SimulatedNodes.SimulatedNodes(cluster.Api, new() { Count = 1 }, NullLoggerFactory.Instance);
        await nodes.RegisterAsync(CancellationToken.None);
        var scheduler = new Scheduler(cluster.Api, NullLoggerFactory.Instance, options: new SchedulerOptions { Identity = "test-scheduler" });
        var run = scheduler.RunAsync(stop.Token);

        await cluster.Api.CreateAsync("default", new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        }, CancellationToken.None);

        await TestCluster.EventuallyAsync(async () => (await cluster.Api.GetAsync<V1Pod>("default", "p", CancellationToken.None)).Spec.NodeName == "sim-0");
        var lease = await cluster.Api.GetAsync<V1Lease>("kube-system", "kube-scheduler", CancellationToken.None);
        Assert.Equal("test-scheduler", lease.Spec.HolderIdentity);
        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
