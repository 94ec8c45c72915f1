namespace Bosun.Agent.Logs;

/// <summary>
/// What <c>kubectl logs -f</c> waits on between reads: inotify on the log's directory (writes, the rotator's rename, the
/// runtime reopening the path), with a quiet period after which the caller re-checks anyway (the container may have
/// exited without writing; kubelet's fsnotify plus its state check). Each follower adds one inotify watch (.NET 10
/// shares one inotify instance among watchers); when no watch can be had (the watch limit), the wait is a short poll.
/// </summary>
internal sealed class LogFileChanges : IDisposable
{
    /// <summary>After this long without a change the caller re-checks the container's state.</summary>
    internal static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(1);

    /// <summary>The re-check when the directory cannot be watched.</summary>
    internal static readonly TimeSpan PollWithoutWatch = TimeSpan.FromMilliseconds(200);

    private readonly TimeProvider time;
    private readonly FileSystemWatcher? watcher;
    private readonly Lock gate = new();
    private TaskCompletionSource changed = New();

    private LogFileChanges(TimeProvider time, FileSystemWatcher? watcher)
    {
        this.time = time;
        this.watcher = watcher;
    }

    /// <summary>Starts watching <paramref name="directory"/>: changes from now on are noticed, including ones before the first wait.</summary>
    public static LogFileChanges Watch(string directory, TimeProvider time)
    {
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(directory)
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            var changes = new LogFileChanges(time, watcher);
            watcher.Changed += (_, _) => changes.Signal();
            watcher.Created += (_, _) => changes.Signal();
            watcher.Renamed += (_, _) => changes.Signal();
            watcher.Deleted += (_, _) => changes.Signal();
            watcher.Error += (_, _) => changes.Signal();   // overflow: something changed, read to find out
            watcher.EnableRaisingEvents = true;
            return changes;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            watcher?.Dispose();
            return new LogFileChanges(time, null);
        }
    }

    public bool Watching => watcher is not null;

    /// <summary>True when the directory changed since the last true; false when the quiet period passed without a change.</summary>
    public async Task<bool> WaitAsync(CancellationToken ct)
    {
        Task signal;
        lock (gate) signal = changed.Task;
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var timeout = Task.Delay(watcher is null ? PollWithoutWatch : QuietPeriod, time, quiet.Token);
        var first = await Task.WhenAny(signal, timeout);
        await quiet.CancelAsync();
        ct.ThrowIfCancellationRequested();
        if (first != signal) return false;
        lock (gate) changed = New();   // changes from here on, during the caller's read, wake the next wait
        return true;
    }

    private void Signal()
    {
        lock (gate) changed.TrySetResult();
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => watcher?.Dispose();
}
