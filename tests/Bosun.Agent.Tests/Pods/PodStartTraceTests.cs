using Bosun.Agent.Pods;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Agent.Tests.Pods;

public sealed class PodStartTraceTests
{
    private readonly FakeTimeProvider time = new();

    [Fact]
    public void Mark_EachStepTakesTheTimeSinceThePreviousMark_RepeatsAddUp()
    {
        var trace = new PodStartTrace(time, time.GetTimestamp());
        time.Advance(TimeSpan.FromMilliseconds(3));
        trace.Mark("queue");
        time.Advance(TimeSpan.FromMilliseconds(200));
        trace.Mark("run-sandbox");
        time.Advance(TimeSpan.FromMilliseconds(40));
        trace.Mark("create-container");
        time.Advance(TimeSpan.FromMilliseconds(10));
        trace.Mark("create-container");

        Assert.Equal("queue=3.0 run-sandbox=200.0 create-container=50.0", trace.ToString());
        Assert.Equal(253, trace.TotalMs, precision: 6);
    }

    [Fact]
    public void Add_RecordsAnOverlappingStep_WithoutMovingTheSequenceOn()
    {
        var trace = new PodStartTrace(time, time.GetTimestamp());
        time.Advance(TimeSpan.FromMilliseconds(100));
        trace.Add("image", TimeSpan.FromMilliseconds(7));
        trace.Mark("run-sandbox");

        Assert.Equal("image=7.0 run-sandbox=100.0", trace.ToString());
        Assert.Equal(100, trace.TotalMs, precision: 6);
    }
}
