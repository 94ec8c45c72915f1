using Bosun.Agent.Pods;
using Microsoft.Extensions.Time.Testing;

namespace Bosun.Agent.Tests.Pods;

public sealed class PodWorkerTests
{
    private readonly FakeTimeProvider time = new();

    [Fact]
    public async Task PollForExit_AsksAgainAfter50MsDoublingTo800Ms_ThenLeavesItToTheRelist()
    {
        using var worker = new PodWorker("uid", time);
        await using var requests = worker.ReadAllAsync(CancellationToken.None).GetAsyncEnumerator();
        foreach (var ms in new[] { 50, 100, 200, 400, 800 })
        {
            worker.PollForExit();
            Assert.Equal(time.GetUtcNow() + TimeSpan.FromMilliseconds(ms), worker.NextRequestDue);
            time.Advance(TimeSpan.FromMilliseconds(ms));
            Assert.True(await requests.MoveNextAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(DateTimeOffset.MaxValue, worker.NextRequestDue);
        }

        worker.PollForExit();
        Assert.Equal(DateTimeOffset.MaxValue, worker.NextRequestDue);

        worker.ResetPoll();
        worker.PollForExit();
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMilliseconds(50), worker.NextRequestDue);
    }

    [Fact]
    public void PollForExit_KeepsAnEarlierRequestAlreadyDue()
    {
        using var worker = new PodWorker("uid", time);
        worker.RequestAfter(TimeSpan.FromMilliseconds(10));
        worker.PollForExit();
        Assert.Equal(time.GetUtcNow() + TimeSpan.FromMilliseconds(10), worker.NextRequestDue);
    }
}
