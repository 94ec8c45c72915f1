using Bosun.Agent.Metrics;

namespace Bosun.Agent.Tests.Metrics;

public sealed class MetricsReportBuilderTests
{
    private const long Second = 1_000_000_000;
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 1, 0, 0, TimeSpan.Zero);

    private static ContainerSample C(string id, string pod, string name, long t, ulong cpu, ulong mem = 64 << 20) =>
        new(id, "default", pod, name, new CumulativeCpu(t, cpu), mem);

    private static MetricsSample Sample(int seconds, ulong nodeCpu, params ContainerSample[] containers) =>
        new(T0.AddSeconds(seconds), containers, new NodeSample(new CumulativeCpu(seconds * Second, nodeCpu), 1UL << 30));

    [Fact]
    public void Build_TwoScrapes_ReportsRatesAndWorkingSetsPerContainerPodAndNode()
    {
        var previous = Sample(0, 0, C("a", "web", "app", 0, 0), C("b", "web", "sidecar", 0, 0));
        var current = Sample(15, 15 * (ulong)Second, C("a", "web", "app", 15 * Second, 3 * (ulong)Second), C("b", "web", "sidecar", 15 * Second, 1_234_567));

        var report = MetricsReportBuilder.Build(previous, current)!;

        Assert.Equal("15000ms", report.Window);
        Assert.Equal(T0.AddSeconds(15).UtcDateTime, report.Timestamp);
        Assert.Equal("1000m", report.Usage!["cpu"]);
        Assert.Equal("1048576Ki", report.Usage["memory"]);
        var pod = Assert.Single(report.Pods);
        Assert.Equal(("default", "web"), (pod.Namespace, pod.Name));
        Assert.Equal(["app", "sidecar"], pod.Containers.Select(c => c.Name));
        Assert.Equal("200m", pod.Containers[0].Usage["cpu"]);
        Assert.Equal("82304n", pod.Containers[1].Usage["cpu"]);
        Assert.Equal("65536Ki", pod.Containers[0].Usage["memory"]);
    }

    [Fact]
    public void Build_PodWithANewContainer_IsLeftOutUntilItHasARate()
    {
        var previous = Sample(0, 0, C("a", "web", "app", 0, 0), C("x", "db", "db", 0, 0));
        var current = Sample(15, Second, C("a", "web", "app", 15 * Second, Second), C("b", "web", "sidecar", 15 * Second, 10), C("x", "db", "db", 15 * Second, 10));

        var report = MetricsReportBuilder.Build(previous, current)!;

        Assert.Equal(["db"], report.Pods.Select(p => p.Name));
    }

    [Fact]
    public void Build_NodeCounterUnchangedInTime_ReportsNothing() =>
        Assert.Null(MetricsReportBuilder.Build(Sample(0, 5), Sample(0, 5)));

    [Theory]
    [InlineData(250_000_000UL, "250m")]
    [InlineData(0UL, "0m")]
    [InlineData(1_500_000UL, "1500000n")]
    public void Cpu_PrintsMillicoresWhenWhole(ulong nanoCores, string expected) => Assert.Equal(expected, MetricsReportBuilder.Cpu(nanoCores));

    [Theory]
    [InlineData(67_108_864UL, "65536Ki")]
    [InlineData(1000UL, "1000")]
    public void Memory_PrintsKibibytesWhenDivisible(ulong bytes, string expected) => Assert.Equal(expected, MetricsReportBuilder.Memory(bytes));
}
