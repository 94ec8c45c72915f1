using System.Text.Json.Nodes;
using Bosun.Agent.Metrics;
using Bosun.Testing;
using Bosun.Testing.Containers;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Containers.Tests;

[Collection(ContainerdCollection.Name)]
[Trait("Category", "Containers")]
public sealed class MetricsReporterTests(SharedContainerd shared)
{
    private readonly ContainerdFixture _containerd = shared.Containerd;

    [Fact]
    public async Task ScrapeAndReport_BusyAndIdleContainers_ServedByTheMetricsApiWithRealFigures()
    {
        await using var cluster = await TestCluster.StartAsync();
        var name = "burner-" + Guid.NewGuid().ToString("N")[..6];
        await cluster.Api.CreateAsync("default", new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "burn", Image = TestImages.Busybox }, new V1Container { Name = "idle", Image = TestImages.Busybox }] },
        }, CancellationToken.None);
        var sandbox = Pods.Sandbox(_containerd, name);
        var (podId, _) = await Pods.RunAsync(_containerd.Cri, sandbox,
            Pods.Container("burn", TestImages.Busybox, "sh", "-c", "while :; do :; done"),
            Pods.Container("idle", TestImages.Busybox, "sleep", "3600"));
        try
        {
            var reporter = new MetricsReporter(_containerd.Cri, cluster.Api, "node-a", NullLogger.Instance);

            Assert.Null(await reporter.ScrapeAndReportAsync(CancellationToken.None));   // a rate needs two scrapes
            await Task.Delay(TimeSpan.FromSeconds(2));
            var report = await reporter.ScrapeAndReportAsync(CancellationToken.None);

            var pod = Assert.Single(report!.Pods, p => p.Name == name);
            var burn = MetricsQuantity.NanoCores(pod.Containers.Single(c => c.Name == "burn").Usage["cpu"]);
            var idle = MetricsQuantity.NanoCores(pod.Containers.Single(c => c.Name == "idle").Usage["cpu"]);
            // The host is shared and loaded, so the busy loop's share varies; it is always far above the sleeper's and below one core.
            Assert.InRange(burn, 50_000_000, 1_100_000_000);
            Assert.InRange(idle, 0, 20_000_000);
            Assert.True(burn > 10 * idle, $"burn {burn}n vs idle {idle}n");
            Assert.True(MetricsQuantity.Bytes(pod.Containers[0].Usage["memory"]) > 0);
            Assert.True(MetricsQuantity.NanoCores(report.Usage!["cpu"]) >= burn / 2);

            var served = await cluster.Api.GetPathAsync<JsonObject>($"/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/{name}", CancellationToken.None);
            Assert.Equal(["burn", "idle"], served["containers"]!.AsArray().Select(c => (string?)c!["name"]));
            var node = await cluster.Api.GetPathAsync<JsonObject>("/apis/metrics.k8s.io/v1beta1/nodes/node-a", CancellationToken.None);
            Assert.NotNull(node["usage"]!["cpu"]);
        }
        finally
        {
            await Pods.RemoveAsync(_containerd.Cri, podId);
        }
    }

    /// <summary>Reads back the quantities the reporter writes (<c>250m</c>, <c>1234n</c>, <c>65536Ki</c>, bytes).</summary>
    private static class MetricsQuantity
    {
        public static long NanoCores(string q) =>
            q.EndsWith('n') ? long.Parse(q[..^1]) : q.EndsWith('m') ? long.Parse(q[..^1]) * 1_000_000 : long.Parse(q) * 1_000_000_000;

        public static long Bytes(string q) => q.EndsWith("Ki", StringComparison.Ordinal) ? long.Parse(q[..^2]) * 1024 : long.Parse(q);
    }
}
