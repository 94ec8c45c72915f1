using Bosun.Agent.Metrics;
using Bosun.Cri.V1;

namespace Bosun.Agent.Tests.Metrics;

public sealed class NodeUsageTests
{
    [Fact]
    public void CpuNanos_SumsBusyTicksOfTheAggregateLine()
    {
        const string stat = "cpu  100 20 30 5000 40 5 6 7 0 0\ncpu0 50 10 15 2500 20 2 3 3 0 0\nintr 1 2 3\n";

        // user+nice+system+irq+softirq+steal = 100+20+30+5+6+7 = 168 ticks of 10 ms
        Assert.Equal(1_680_000_000UL, NodeUsage.CpuNanos(stat));
    }

    [Fact]
    public void WorkingSet_IsTotalMinusAvailable()
    {
        const string meminfo = "MemTotal:       24000000 kB\nMemFree:         1000000 kB\nMemAvailable:   20000000 kB\nBuffers: 1 kB\n";

        Assert.Equal(4_000_000UL * 1024, NodeUsage.WorkingSet(meminfo));
    }

    [Fact]
    public void Read_ThisMachine_GivesPlausibleFigures()
    {
        var sample = NodeUsage.Read(123);
        Assert.Equal(123, sample.Cpu.TimestampNanos);
        Assert.True(sample.Cpu.UsageNanos > 0);
        Assert.True(sample.WorkingSetBytes > 0);
    }

    [Fact]
    public void ToSample_UsesTheAgentsPodLabels_AndSkipsForeignContainers()
    {
        var ours = new ContainerStats
        {
            Attributes = new ContainerAttributes
            {
                Id = "c1",
                Metadata = new ContainerMetadata { Name = "app" },
                Labels = { [CriLabels.PodName] = "web", [CriLabels.PodNamespace] = "prod", [CriLabels.ContainerName] = "app" },
            },
            Cpu = new CpuUsage { Timestamp = 42, UsageCoreNanoSeconds = new UInt64Value { Value = 7 } },
            Memory = new MemoryUsage { WorkingSetBytes = new UInt64Value { Value = 4096 } },
        };
        var foreign = new ContainerStats { Attributes = new ContainerAttributes { Id = "c2" }, Cpu = ours.Cpu };

        Assert.Equal(new ContainerSample("c1", "prod", "web", "app", new CumulativeCpu(42, 7), 4096), MetricsReporter.ToSample(ours));
        Assert.Null(MetricsReporter.ToSample(foreign));
    }
}
