using System.Diagnostics;
using Bosun.Client;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Bosun.Scheduler.Tests;

/// <summary>Scheduling through the real API server: informers, cycles and binds over HTTP.</summary>
[Trait("Category", "Integration")]
public sealed class SchedulerThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Schedule_1000PendingPodsOn100Nodes_AllBoundRespectingCapacity()
    {
        const int nodeCount = 100, podCount = 1000;
        await using var cluster = await TestCluster.StartAsync();
        var api = cluster.Api;
        // Registered but not running: no heartbeats or pod agent, so the API server serves the scheduler alone.
        var nodes = new SimulatedNodes.SimulatedNodes(api, new() { Count = nodeCount, Cpu = "1", Pods = 110, Workers = 16 }, NullLoggerFactory.Instance);
        await nodes.RegisterAsync(CancellationToken.None);
        await Parallel.ForEachAsync(Enumerable.Range(0, podCount), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await api.CreateAsync("default", new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = $"p-{i}" },
                Spec = new V1PodSpec
                {
                    Containers = [new V1Container { Name = "c", Image = "pause", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") } } }],
                },
            }, ct));

        using var stop = new CancellationTokenSource();
        var scheduler = new Scheduler(api, NullLoggerFactory.Instance);
        var watch = Stopwatch.StartNew();
        var run = scheduler.RunSchedulingAsync(stop.Token);
        await TestCluster.EventuallyAsync(() => Task.FromResult(scheduler.Scheduled == podCount), TimeSpan.FromSeconds(60), "all pods bound");
        watch.Stop();
        output.WriteLine($"{podCount} pods on {nodeCount} nodes through the API server: {watch.Elapsed.TotalSeconds:F2} s, {podCount / watch.Elapsed.TotalSeconds:N0} pods/s");
        await stop.CancelAsync();
        await run;

        var pods = (await api.ListAsync<V1PodList>(typeof(V1Pod), "default", ListQuery.Everything, CancellationToken.None)).Items;
        Assert.All(pods, p => Assert.False(string.IsNullOrEmpty(p.Spec.NodeName)));
        Assert.All(pods.GroupBy(p => p.Spec.NodeName), g => Assert.True(g.Count() <= 10, $"{g.Key} has {g.Count()} pods of 100m on 1 cpu"));
    }
}
