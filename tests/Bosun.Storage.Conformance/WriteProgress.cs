namespace Bosun.Storage.Conformance;

/// <summary>Lets a test start watchers at chosen points of a concurrent write run without sleeping.</summary>
internal sealed class WriteProgress(int writers)
{
    private readonly TaskCompletionSource[] _milestones =
        Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
    private int _done;

    public Task Milestone(int index) => _milestones[index].Task;

    /// <summary>Records one finished write of one writer; milestones fire at a quarter, half and three quarters of all writes.</summary>
    public void Advance(int perWriter)
    {
        var done = Interlocked.Increment(ref _done);
        var total = writers * perWriter;
        for (var m = 0; m < _milestones.Length; m++)
        {
            if (done >= total * (m + 1) / 4)
                _milestones[m].TrySetResult();
        }
    }
}
