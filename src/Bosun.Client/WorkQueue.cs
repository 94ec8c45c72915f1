namespace Bosun.Client;

/// <summary>
/// client-go's work queue: <b>fair</b> (keys come out in the order added), <b>stingy</b> (a key queued several times
/// before it is taken comes out once; a key is never handed to two workers at once) and safe to re-add while a worker
/// holds it (<see cref="Done"/> then queues it again). Delayed adds use the <see cref="TimeProvider"/>; rate-limited
/// adds back off per key exponentially (5 ms doubling to 1000 s), reset by <see cref="Forget"/>.
/// </summary>
public sealed class WorkQueue<T> : IDisposable where T : notnull
{
    private static readonly TimeSpan BaseDelay = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(1000);

    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Queue<T> queue = new();
    private readonly HashSet<T> dirty = [];
    private readonly HashSet<T> processing = [];
    private readonly Dictionary<T, int> failures = [];
    private readonly HashSet<ITimer> timers = [];
    private readonly SemaphoreSlim available = new(0);
    private bool shuttingDown;

    public WorkQueue(TimeProvider? time = null) => this.time = time ?? TimeProvider.System;

    public int Count
    {
        get { lock (gate) return queue.Count; }
    }

    public void Add(T item)
    {
        lock (gate)
        {
            if (shuttingDown || !dirty.Add(item)) return;
            if (processing.Contains(item)) return;   // Done() queues it
            queue.Enqueue(item);
        }
        available.Release();
    }

    public void AddAfter(T item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }
        lock (gate)
        {
            if (shuttingDown) return;
            ITimer? timer = null;
            timer = time.CreateTimer(_ =>
            {
                lock (gate) timers.Remove(timer!);
                timer!.Dispose();
                Add(item);
            }, null, delay, Timeout.InfiniteTimeSpan);
            timers.Add(timer);
        }
    }

    /// <summary>Re-queues after this key's back-off, which doubles with every failure until <see cref="Forget"/>; returns the delay.</summary>
    public TimeSpan AddRateLimited(T item)
    {
        int n;
        lock (gate) n = failures[item] = failures.GetValueOrDefault(item) + 1;
        var delay = TimeSpan.FromTicks((long)Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * Math.Pow(2, n - 1)));
        AddAfter(item, delay);
        return delay;
    }

    public int Failures(T item)
    {
        lock (gate) return failures.GetValueOrDefault(item);
    }

    public void Forget(T item)
    {
        lock (gate) failures.Remove(item);
    }

    /// <summary>The next key, or default when the queue shuts down. The caller must call <see cref="Done"/>.</summary>
    public async ValueTask<(bool Ok, T Item)> TakeAsync(CancellationToken ct)
    {
        while (true)
        {
            await available.WaitAsync(ct);
            lock (gate)
            {
                if (queue.Count == 0)
                {
                    if (shuttingDown) return (false, default!);
                    continue;
                }
                var item = queue.Dequeue();
                processing.Add(item);
                dirty.Remove(item);
                return (true, item);
            }
        }
    }

    public void Done(T item)
    {
        var requeued = false;
        lock (gate)
        {
            processing.Remove(item);
            if (dirty.Contains(item))
            {
                queue.Enqueue(item);
                requeued = true;
            }
        }
        if (requeued) available.Release();
    }

    public void ShutDown()
    {
        lock (gate)
        {
            shuttingDown = true;
            foreach (var t in timers) t.Dispose();
            timers.Clear();
        }
        available.Release(1000);
    }

    public void Dispose()
    {
        ShutDown();
        available.Dispose();
    }
}
