using Microsoft.Extensions.Time.Testing;

namespace Bosun.Client.Tests;

public sealed class WorkQueueTests
{
    private static async Task<string> TakeAsync(WorkQueue<string> q)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var (ok, item) = await q.TakeAsync(cts.Token);
        Assert.True(ok);
        return item;
    }

    [Fact]
    public async Task Add_SameKeyTwiceBeforeTake_ComesOutOnce()
    {
        using var q = new WorkQueue<string>();
        q.Add("a");
        q.Add("b");
        q.Add("a");

        Assert.Equal("a", await TakeAsync(q));
        Assert.Equal("b", await TakeAsync(q));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task Add_WhileProcessing_IsQueuedAgainOnlyAfterDone()
    {
        using var q = new WorkQueue<string>();
        q.Add("a");
        var item = await TakeAsync(q);

        q.Add("a");
        Assert.Equal(0, q.Count);            // never handed to a second worker while held
        q.Done(item);

        Assert.Equal(1, q.Count);
        Assert.Equal("a", await TakeAsync(q));
    }

    [Fact]
    public async Task AddRateLimited_BacksOffExponentially_ForgetResets()
    {
        var clock = new FakeTimeProvider();
        using var q = new WorkQueue<string>(clock);

        q.AddRateLimited("a");
        clock.Advance(TimeSpan.FromMilliseconds(4));
        Assert.Equal(0, q.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, q.Count);
        q.Done(await TakeAsync(q));

        q.AddRateLimited("a");                // second failure: 10 ms
        clock.Advance(TimeSpan.FromMilliseconds(9));
        Assert.Equal(0, q.Count);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, q.Count);
        Assert.Equal(2, q.Failures("a"));

        q.Forget("a");
        Assert.Equal(0, q.Failures("a"));
    }

    [Fact]
    public async Task ShutDown_EndsTake()
    {
        using var q = new WorkQueue<string>();
        var take = q.TakeAsync(CancellationToken.None).AsTask();

        q.ShutDown();

        var (ok, _) = await take.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(ok);
    }
}
