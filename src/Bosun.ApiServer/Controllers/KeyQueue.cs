using System.Threading.Channels;

namespace Bosun.ApiServer.Controllers;

/// <summary>
/// client-go's rate-limited work queue, for one worker: a key added while it waits is queued once; a key added while
/// it is being reconciled is queued again for after. A failed key comes back after a per-key exponential back-off.
/// </summary>
internal sealed class KeyQueue(TimeProvider time)
{
    public static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private readonly Lock gate = new();
    private readonly HashSet<string> dirty = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> failures = new(StringComparer.Ordinal);
    private readonly Channel<string> ready = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Keys waiting to be reconciled (not counting those waiting out a back-off).</summary>
    public int Count
    {
        get { lock (gate) return dirty.Count; }
    }

    public void Add(string key)
    {
        lock (gate)
        {
            if (!dirty.Add(key)) return;
        }
        ready.Writer.TryWrite(key);
    }

    /// <summary>Waits for the next key; from then on, adding it again queues it anew.</summary>
    public async ValueTask<string> TakeAsync(CancellationToken ct)
    {
        var key = await ready.Reader.ReadAsync(ct).ConfigureAwait(false);
        lock (gate) dirty.Remove(key);
        return key;
    }

    /// <summary>The key was reconciled: its next failure starts the back-off afresh.</summary>
    public void Forget(string key)
    {
        lock (gate) failures.Remove(key);
    }

    /// <summary>Queues the key again after its back-off (50 ms doubling per failure, at most 30 s); returns the delay.</summary>
    public TimeSpan Retry(string key, CancellationToken ct)
    {
        int attempt;
        lock (gate) attempt = failures[key] = failures.GetValueOrDefault(key) + 1;
        var delay = Backoff(attempt);
        // Synchronous: the continuation only queues the key, and a manual clock then sees it queued when Advance returns.
        _ = Task.Delay(delay, time, ct).ContinueWith(_ => Add(key), ct,
            TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return delay;
    }

    internal static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, BaseDelay.Ticks << Math.Min(attempt - 1, 20)));
}
