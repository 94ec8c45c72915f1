using Bosun.ApiServer.Controllers;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.ApiServer.Tests.Controllers;

public sealed class KeyQueueTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly FakeTimeProvider time = new();

    [Fact]
    public async Task Add_SameKeyTwiceBeforeTake_IsReconciledOnce()
    {
        var queue = new KeyQueue(time);
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");

        Assert.Equal(2, queue.Count);
        Assert.Equal("a", await queue.TakeAsync(Ct));
        Assert.Equal("b", await queue.TakeAsync(Ct));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Add_WhileKeyIsBeingReconciled_QueuesItAgain()
    {
        var queue = new KeyQueue(time);
        queue.Add("a");
        Assert.Equal("a", await queue.TakeAsync(Ct));

        queue.Add("a");   // a change arrived during the reconcile

        Assert.Equal(1, queue.Count);
        Assert.Equal("a", await queue.TakeAsync(Ct));
    }

    [Fact]
    public void Retry_QueuesTheKeyOnlyOnceItsBackoffHasPassed()
    {
        var queue = new KeyQueue(time);

        var delay = queue.Retry("a", Ct);

        Assert.Equal(TimeSpan.FromMilliseconds(50), delay);
        time.Advance(TimeSpan.FromMilliseconds(49));
        Assert.Equal(0, queue.Count);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Retry_DoublesPerFailure_AndForgetStartsAfresh()
    {
        var queue = new KeyQueue(time);

        Assert.Equal(TimeSpan.FromMilliseconds(50), queue.Retry("a", Ct));
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.Retry("a", Ct));
        Assert.Equal(TimeSpan.FromMilliseconds(50), queue.Retry("b", Ct));
        queue.Forget("a");
        Assert.Equal(TimeSpan.FromMilliseconds(50), queue.Retry("a", Ct));
    }

    [Fact]
    public void Backoff_IsCappedAtThirtySeconds()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(800), KeyQueue.Backoff(5));
        Assert.Equal(TimeSpan.FromSeconds(30), KeyQueue.Backoff(11));
        Assert.Equal(TimeSpan.FromSeconds(30), KeyQueue.Backoff(1000));
    }

    [Fact]
    public void Retry_AfterCancellation_DoesNotQueue()
    {
        var queue = new KeyQueue(time);
        using var stop = new CancellationTokenSource();
        queue.Retry("a", stop.Token);

        stop.Cancel();
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, queue.Count);
    }
}
