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
    private TimeSpan nextPoll = FirstPoll;

    /// <summary>The short poll for an init container's exit starts here and doubles up to <see cref="LastPoll"/>.</summary>
    internal static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>After this the relist (1 s) alone notices the exit: a long init container costs no extra syncs.</summary>
    internal static readonly TimeSpan LastPoll = TimeSpan.FromMilliseconds(800);

    public string Uid { get; } = uid;

    /// <summary>When the pending delayed request fires; <see cref="DateTimeOffset.MaxValue"/> when none is pending.</summary>
    internal DateTimeOffset NextRequestDue { get { lock (gate) return timerDue; } }
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

    /// <summary>
    /// The pod waits for an init container to exit before it can go on: ask again soon (50 ms doubling to 800 ms) instead
    /// of waiting up to a relist period for each one. Called from the worker's own sync, so not concurrently.
    /// </summary>
    public void PollForExit()
    {
        if (nextPoll > LastPoll) return;
        RequestAfter(nextPoll);
        nextPoll *= 2;
    }

    /// <summary>Something was started: the next wait for an exit polls from the start again.</summary>
    public void ResetPoll() => nextPoll = FirstPoll;

    public IAsyncEnumerable<bool> ReadAllAsync(CancellationToken ct) => requests.Reader.ReadAllAsync(ct);

    public void Complete() => requests.Writer.TryComplete();

    public void Dispose()
    {
        lock (gate) timer?.Dispose();
        Complete();
    }
}
