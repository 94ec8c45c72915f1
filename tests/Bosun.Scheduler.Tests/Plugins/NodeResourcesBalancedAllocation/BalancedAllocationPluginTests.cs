using Bosun.Scheduler.Plugins.NodeResourcesBalancedAllocation;

namespace Bosun.Scheduler.Tests.Plugins.NodeResourcesBalancedAllocation;

public sealed class BalancedAllocationPluginTests
{
    [Theory]
    [InlineData("2", "4Gi", 100)]   // 50% cpu, 50% memory
    [InlineData("4", "0", 51)]      // 100% cpu, 200Mi default of 8Gi ≈ 2% memory
    [InlineData("1", "6Gi", 75)]    // 25% cpu, 75% memory
    public void Score_CpuAndMemoryShares_BalancedIsBest(string cpu, string memory, long expected)
    {
        var pod = Build.Pod(cpu: cpu, memory: memory == "0" ? null : memory).Info();

        var score = new BalancedAllocationPlugin().Score(new(), pod, Build.NodeInfo(Build.Node(cpu: "4", memory: "8Gi")));

        Assert.Equal(expected, score);
    }
}
