using Bosun.Client.Memory;

namespace Bosun.Client.Tests.Memory;

public sealed class TrimPolicyTests
{
    private const long MB = 1 << 20;
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 7, 0, 0, TimeSpan.Zero);

    private static TrimPolicy Policy() => new(churnBytes: 24 * MB, quietBytes: 4 * MB, minInterval: TimeSpan.FromMinutes(1));

    [Fact]
    public void Sample_DuringABurst_WaitsUntilAllocationQuietsDown()
    {
        var policy = Policy();
        Assert.False(policy.Sample(10 * MB, T0));                       // first sample: no rate yet
        Assert.False(policy.Sample(40 * MB, T0.AddSeconds(5)));         // 30 MB in 5 s: still busy
        Assert.False(policy.Sample(80 * MB, T0.AddSeconds(10)));
        Assert.True(policy.Sample(81 * MB, T0.AddSeconds(15)));         // quiet after 70 MB of churn
    }

    [Fact]
    public void Sample_QuietButLittleAllocated_DoesNotTrim()
    {
        var policy = Policy();
        policy.Sample(0, T0);
        for (var i = 1; i <= 10; i++) Assert.False(policy.Sample(i * 2 * MB, T0.AddSeconds(5 * i)));   // 20 MB in total
        Assert.True(policy.Sample(24 * MB, T0.AddSeconds(55)));          // 24 MB in total, still quiet: due
    }

    [Fact]
    public void Sample_AfterATrim_WaitsTheIntervalAndNewChurn()
    {
        var policy = Policy();
        policy.Sample(0, T0);
        Assert.False(policy.Sample(30 * MB, T0.AddSeconds(5)));
        Assert.True(policy.Sample(31 * MB, T0.AddSeconds(10)));
        policy.Trimmed(31 * MB, T0.AddSeconds(10));

        Assert.False(policy.Sample(60 * MB, T0.AddSeconds(30)));        // churned again, but within the minute
        Assert.False(policy.Sample(61 * MB, T0.AddSeconds(65)));        // quiet and churned, still 55 s after the trim
        Assert.True(policy.Sample(62 * MB, T0.AddSeconds(75)));         // 65 s after: due
    }

    [Fact]
    public void Sample_AfterATrimWithoutNewChurn_NeverTrimsAgain()
    {
        var policy = Policy();
        policy.Trimmed(100 * MB, T0);
        for (var i = 1; i <= 60; i++) Assert.False(policy.Sample(100 * MB + i * 100_000, T0.AddSeconds(5 * i)));
    }

    [Fact]
    public void ServerPolicy_TrimsOnceStartUpIsOverThenEveryHalfMinuteWhileIdle()
    {
        const long mb = MB;
        var policy = TrimPolicy.CreateForServer();
        Assert.Equal(TimeSpan.FromSeconds(1), policy.SampleInterval);
        Assert.False(policy.Sample(18 * mb, T0));                        // ready: start-up allocated 18 MB
        Assert.False(policy.Sample(21 * mb, T0.AddSeconds(1)));          // controllers' first lists
        Assert.True(policy.Sample(21 * mb + mb / 2, T0.AddSeconds(2)));  // quiet: due
        policy.Trimmed(22 * mb, T0.AddSeconds(2));
        for (var s = 3; s < 32; s++) Assert.False(policy.Sample(22 * mb + (s - 2) * (mb / 2), T0.AddSeconds(s)));   // 0.5 MB/s idle
        Assert.True(policy.Sample(22 * mb + 30 * (mb / 2), T0.AddSeconds(32)));
    }

    [Fact]
    public void ServerPolicy_BusyServer_IsNotTrimmed()
    {
        const long mb = MB;
        var policy = TrimPolicy.CreateForServer();
        policy.Sample(0, T0);
        for (var s = 1; s <= 120; s++) Assert.False(policy.Sample(s * 5 * mb, T0.AddSeconds(s)));   // 5 MB/s of requests
    }

    [Fact]
    public void Sample_LargeHeap_TrimmedAtMostEveryTenMinutes()
    {
        const long mb = MB;
        var policy = TrimPolicy.CreateForServer();
        const long heap = 300 * mb;   // a server holding ~10,000 pods
        Assert.False(policy.Sample(0, T0, heap));
        Assert.False(policy.Sample(9 * mb, T0.AddSeconds(1), heap));                  // busy
        Assert.True(policy.Sample(9 * mb + mb / 2, T0.AddSeconds(2), heap));          // the first trim is not held back
        policy.Trimmed(10 * mb, T0.AddSeconds(3));
        for (var s = 4; s < 603; s++) Assert.False(policy.Sample(10 * mb + (s - 3) * (mb / 2), T0.AddSeconds(s), heap));
        Assert.True(policy.Sample(10 * mb + 600 * (mb / 2), T0.AddSeconds(603), heap));
    }
}
