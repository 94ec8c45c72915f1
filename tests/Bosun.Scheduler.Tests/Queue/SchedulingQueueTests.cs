using Bosun.Client;
using Bosun.Scheduler.Queue;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Scheduler.Tests.Queue;

public sealed class SchedulingQueueTests
{
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private static readonly HashSet<string> ByFit = ["NodeResourcesFit"];

    private SchedulingQueue NewQueue() => new(clock);

    private static string Pop(SchedulingQueue q) => q.TryPop(out var p) ? p.Pod.Key.Name : "<empty>";

    [Fact]
    public void Pop_OrdersByPriorityThenAge()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("low", priority: 0));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        q.AddOrUpdate(Build.Pod("high", priority: 100));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        q.AddOrUpdate(Build.Pod("low2", priority: 0));

        Assert.Equal(["high", "low", "low2", "<empty>"], [Pop(q), Pop(q), Pop(q), Pop(q)]);
    }

    [Fact]
    public void AddOrUpdate_SamePodTwice_QueuedOnce()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        q.AddOrUpdate(Build.Pod("p"));

        Assert.Equal(1, q.ActiveCount);
        Assert.Equal(["p", "<empty>"], [Pop(q), Pop(q)]);
    }

    [Fact]
    public void AddUnschedulable_WaitsForAClusterEvent()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        q.TryPop(out var pod);
        q.AddUnschedulable(pod, q.SchedulingCycle, ByFit);

        Assert.Equal(1, q.UnschedulableCount);
        clock.Advance(TimeSpan.FromSeconds(2));   // back-off of the first attempt (1 s) is over
        q.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);

        Assert.Equal(0, q.UnschedulableCount);
        Assert.Equal("p", Pop(q));
    }

    [Fact]
    public void MoveAll_WhileBackingOff_GoesToBackoffUntilItExpires()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        q.TryPop(out var pod);
        q.AddUnschedulable(pod, q.SchedulingCycle, ByFit);

        q.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);
        Assert.Equal(1, q.BackoffCount);
        Assert.Equal(0, q.FlushBackoffCompleted());

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, q.FlushBackoffCompleted());
        Assert.Equal("p", Pop(q));
    }

    [Fact]
    public void BackoffDuration_DoublesFromOneSecondToTen()
    {
        var q = NewQueue();

        Assert.Equal([1, 2, 4, 8, 10, 10], Enumerable.Range(1, 6).Select(a => q.BackoffDuration(a).TotalSeconds).ToArray());
    }

    [Fact]
    public void AddUnschedulable_EventDuringAttempt_GoesToBackoffNotUnschedulable()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        q.TryPop(out var pod);
        var cycle = q.SchedulingCycle;
        q.MoveAllToActiveOrBackoff(ClusterEvent.NodeAdd);   // a node arrived while p was being scheduled

        q.AddUnschedulable(pod, cycle, ByFit);

        Assert.Equal(0, q.UnschedulableCount);
        Assert.Equal(1, q.BackoffCount);
    }

    [Fact]
    public void AddUnschedulable_EventDuringAttemptThatCannotHelp_StaysUnschedulable()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        q.TryPop(out var pod);
        var cycle = q.SchedulingCycle;
        q.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd);   // helps affinity and spreading, not resources

        q.AddUnschedulable(pod, cycle, ByFit);

        Assert.Equal(1, q.UnschedulableCount);
    }

    [Fact]
    public void AddBackoff_RepeatedFailures_BackOffLonger()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.True(q.TryPop(out var pod));
            q.AddBackoff(pod);
            var wait = TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
            clock.Advance(wait - TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, q.FlushBackoffCompleted());
            clock.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Equal(1, q.FlushBackoffCompleted());
        }
    }

    [Fact]
    public void MoveAll_EventThatCannotHelp_LeavesPodWaiting()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        q.TryPop(out var pod);
        q.AddUnschedulable(pod, q.SchedulingCycle, ByFit);
        clock.Advance(TimeSpan.FromSeconds(5));

        q.MoveAllToActiveOrBackoff(ClusterEvent.AssignedPodAdd);   // only helps affinity and spreading

        Assert.Equal(1, q.UnschedulableCount);
    }

    [Fact]
    public void FlushUnschedulableLeftover_AfterFiveMinutes_RetriesThePod()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        q.TryPop(out var pod);
        q.AddUnschedulable(pod, q.SchedulingCycle, ByFit);

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, q.FlushUnschedulableLeftover());
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, q.FlushUnschedulableLeftover());
        Assert.Equal("p", Pop(q));
    }

    [Fact]
    public void Delete_WhileInFlight_FailureDoesNotRequeue()
    {
        var q = NewQueue();
        q.AddOrUpdate(Build.Pod("p"));
        q.TryPop(out var pod);

        q.Delete(new ObjectKey("default", "p"));
        q.AddUnschedulable(pod, q.SchedulingCycle, ByFit);

        Assert.False(q.Contains(new ObjectKey("default", "p")));
    }

    [Fact]
    public async Task PopAsync_EmptyQueue_WaitsForAdd()
    {
        var q = NewQueue();
        var pop = q.PopAsync(CancellationToken.None).AsTask();
        Assert.False(pop.IsCompleted);

        q.AddOrUpdate(Build.Pod("p"));

        Assert.Equal("p", (await pop.WaitAsync(TimeSpan.FromSeconds(5))).Pod.Key.Name);
    }
}
