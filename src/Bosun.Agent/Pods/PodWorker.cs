using System.Threading.Channels;

namespace Bosun.Agent.Pods;

/// <summary>
/// Serialises the syncs of one pod: requests coalesce in a one-slot channel, so a burst of updates becomes one
/// sync of the latest state; a timer asks again when a back-off expires.
/// </summary>
internal sealed class PodWorker(string uid, TimeProvider time) : IDisposable
{
    private readonly Channel<bool> requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Lock gate = new();
    private ITimer? timer;
    private DateTimeOffset timerDue = DateTimeOffset.MaxValue;

    public string Uid { get; } = uid;
    public Task Loop { get; set; } = Task.CompletedTask;

    public void Request() => requests.Writer.TryWrite(true);

    /// <summary>Asks for a sync after <paramref name="delay"/>, unless one is already due sooner.</summary>
    public void RequestAfter(TimeSpan delay)
    {
        var due = time.GetUtcNow() + delay;
        lock (gate)
        {
            if (timer is not null && timerDue <= due) return;
            timer?.Dispose();
            timerDue = due;
            timer = time.CreateTimer(_ =>
            {
                lock (gate) timerDue = DateTimeOffset.MaxValue;
                Request();
            }, null, delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan);
        }
    }

    public IAsyncEnumerable<bool> ReadAllAsync(CancellationToken ct) => requests.Reader.ReadAllAsync(ct);

    public void Complete() => requests.Writer.TryComplete();

    public void Dispose()
    {
        lock (gate) timer?.Dispose();
        Complete();
    }
}
