using System.Diagnostics;
using Bosun.Cri.V1;
using Bosun.Testing;
using Bosun.Testing.Containers;
using k8s.Models;
using Xunit.Abstractions;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// Pod start latency through the agent (POST the pod → Running and Ready in the API, image present) over 30 pods,
/// against the raw CRI start (RunPodSandbox → container running) measured in the same run; figures go to the output.
/// </summary>
[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class PodStartLatencyTests(AgentCluster fixture, ITestOutputHelper output)
{
    private const int Pods = 30;

    [Fact]
    public async Task PodStart_ThirtyPods_AllReadyAndLatencyReported()
    {
        var raw = new List<double>();
        for (var i = 0; i < 10; i++) raw.Add(await RawCriStartAsync(i));

        var node = $"node-lat-{Guid.NewGuid().ToString("N")[..6]}";
        await using var agent = await fixture.StartAgentAsync(node);
        var api = fixture.Cluster.Api;
        var latencies = new List<double>();
        var names = new List<string>();
        for (var i = 0; i < Pods; i++)
        {
            var name = $"lat-{i}-{Guid.NewGuid().ToString("N")[..4]}";
            names.Add(name);
            var watch = Stopwatch.StartNew();
            await CreateAsync(api, Pod(name, node, "Always", Busybox("app", "sleep 3600")));
            await TestCluster.EventuallyAsync(async () => IsReady(await GetAsync(api, name)), TimeSpan.FromSeconds(60), $"pod {name} Ready");
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }
        var p50 = Percentile(latencies, 0.50);
        var p99 = Percentile(latencies, 0.99);
        var rawP50 = Percentile(raw, 0.50);
        output.WriteLine($"agent pod start over {Pods} pods: p50 {p50:0} ms, p99 {p99:0} ms; raw CRI start (10 runs): p50 {rawP50:0} ms, p99 {Percentile(raw, 0.99):0} ms; ratio p50 {p50 / rawP50:0.00}; load {File.ReadAllText("/proc/loadavg").Trim()}");
        Assert.Equal(Pods, latencies.Count);

        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (n, _) => await DeleteAndWaitAsync(api, n, TimeSpan.FromSeconds(120)));
    }

    /// <summary>RunPodSandbox → CreateContainer → StartContainer → running, straight over CRI (what the agent adds to is this).</summary>
    private async Task<double> RawCriStartAsync(int i)
    {
        var cri = fixture.Containerd.Cri;
        var sandbox = Containers.Tests.Pods.Sandbox(fixture.Containerd, $"raw-{i}");
        var watch = Stopwatch.StartNew();
        var (podId, ids) = await Containers.Tests.Pods.RunAsync(cri, sandbox, Containers.Tests.Pods.Container("app", TestImages.Busybox, "sleep", "3600"));
        var status = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = ids[0] });
        var took = watch.Elapsed.TotalMilliseconds;
        Assert.Equal(ContainerState.ContainerRunning, status.Status.State);
        await Containers.Tests.Pods.RemoveAsync(cri, podId);
        return took;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(p * sorted.Count) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Count - 1)];
    }
}
