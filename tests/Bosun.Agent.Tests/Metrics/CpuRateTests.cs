using Bosun.Agent.Metrics;

namespace Bosun.Agent.Tests.Metrics;

public sealed class CpuRateTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void NanoCores_QuarterCoreOverFifteenSeconds_Is250Millicores() =>
        Assert.Equal(250_000_000UL, CpuRate.NanoCores(new(0, 1_000), new(15 * Second, 1_000 + 15 * Second / 4)));

    [Fact]
    public void NanoCores_TwoFullCores_Is2Cores() =>
        Assert.Equal(2_000_000_000UL, CpuRate.NanoCores(new(10 * Second, 0), new(11 * Second, 2 * (ulong)Second)));

    [Fact]
    public void NanoCores_RoundsToTheNearestNanocore() =>
        Assert.Equal(333_333_333UL, CpuRate.NanoCores(new(0, 0), new(3 * Second, (ulong)Second)));

    [Fact]
    public void NanoCores_SameTimestamp_HasNoRate() =>
        Assert.Null(CpuRate.NanoCores(new(5 * Second, 10), new(5 * Second, 20)));

    [Fact]
    public void NanoCores_CounterWentBackwards_HasNoRate() =>
        Assert.Null(CpuRate.NanoCores(new(0, 5 * (ulong)Second), new(Second, 10)));   // restarted container, new cgroup
}
