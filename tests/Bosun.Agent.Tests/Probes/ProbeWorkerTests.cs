using Bosun.Agent.Probes;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Agent.Tests.Probes;

public sealed class ProbeWorkerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 1, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(3, new[] { false, false }, true)]          // liveness stays healthy below the threshold
    [InlineData(3, new[] { false, false, false }, false)]  // and fails at it
    [InlineData(2, new[] { false, true, false }, true)]    // a success in between resets the count
    public void Counter_Liveness_FailsAfterConsecutiveFailures(int threshold, bool[] runs, bool healthy)
    {
        var counter = ProbeCounter.For(ProbeKind.Liveness, new V1Probe { FailureThreshold = threshold });
        foreach (var r in runs) counter.Observe(r, "");
        Assert.Equal(healthy, counter.Result);
    }

    [Fact]
    public void Counter_Readiness_StartsNotReadyAndNeedsSuccessThreshold()
    {
        var counter = ProbeCounter.For(ProbeKind.Readiness, new V1Probe { SuccessThreshold = 2, FailureThreshold = 1 });
        Assert.False(counter.Result);
        Assert.False(counter.Observe(true, ""));
        Assert.True(counter.Observe(true, ""));
        Assert.True(counter.Result);
        Assert.True(counter.Observe(false, "nope"));
        Assert.False(counter.Result);
        Assert.Equal("nope", counter.LastOutput);
    }

    [Fact]
    public async Task RunAsync_InitialDelayAndPeriod_ProbesOnTheClock()
    {
        var time = new FakeTimeProvider(T0);
        var runs = new List<DateTimeOffset>();
        var changes = new List<bool>();
        var probe = new V1Probe { InitialDelaySeconds = 5, PeriodSeconds = 2, FailureThreshold = 2 };
        var worker = new ProbeWorker(ProbeKind.Liveness, probe, T0.UtcDateTime, time,
            _ => { runs.Add(time.GetUtcNow()); return Task.FromResult(ProbeOutcome.Fail("down")); },
            () => true, (_, _, changed) => { if (changed) changes.Add(false); });
        using var cts = new CancellationTokenSource();
        var task = worker.RunAsync(cts.Token);

        time.Advance(TimeSpan.FromSeconds(4));
        await Task.Yield();
        Assert.Empty(runs);                       // still inside initialDelaySeconds
        time.Advance(TimeSpan.FromSeconds(1));
        await WaitFor(() => runs.Count == 1);
        Assert.Equal(T0.AddSeconds(5), runs[0]);
        Assert.Empty(changes);                    // one failure < failureThreshold 2
        time.Advance(TimeSpan.FromSeconds(2));
        await WaitFor(() => runs.Count == 2);
        Assert.Equal(T0.AddSeconds(7), runs[1]);
        await task;                               // liveness failed: the worker stops, the container gets restarted
        Assert.Single(changes);
        Assert.False(worker.Counter.Result);
    }

    [Fact]
    public async Task RunAsync_Startup_StopsAfterSuccess()
    {
        var time = new FakeTimeProvider(T0);
        var runs = 0;
        var worker = new ProbeWorker(ProbeKind.Startup, new V1Probe { PeriodSeconds = 1 }, T0.UtcDateTime, time,
            _ => Task.FromResult(++runs < 3 ? ProbeOutcome.Fail("") : ProbeOutcome.Ok()), () => true, (_, _, _) => { });
        var task = worker.RunAsync(CancellationToken.None);
        for (var i = 0; i < 3 && !task.IsCompleted; i++)
        {
            await WaitFor(() => runs == i + 1);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        await task;
        Assert.Equal(3, runs);
        Assert.True(worker.Counter.Result);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        // The worker continues on the thread pool after a fake-clock tick; give it a moment (no wall-clock sleeps in logic).
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(1);
        Assert.True(condition());
    }
}
