namespace Bosun.Agent.Pods;

/// <summary>
/// Per-container exponential back-off between restarts (client-go's flowcontrol.Backoff as the kubelet uses it):
/// 10 s, doubling, capped at 5 min; an entry whose last restart is more than twice the cap old (10 min running) starts
/// over. Keys are stable per pod and container spec. Time is passed in, so decisions stay deterministic.
/// </summary>
internal sealed class RestartBackoff(TimeSpan initial, TimeSpan max)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (TimeSpan Delay, DateTime LastUpdate)> entries = [];

    public static RestartBackoff ForContainers() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));

    /// <summary>For image pulls: 10 s doubling to 5 min too (kubelet's image back-off).</summary>
    public static RestartBackoff ForImagePulls() => new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));

    public static string Key(string podUid, string container, string hash) => $"{podUid}/{container}/{hash}";

    /// <summary>True while <paramref name="now"/> is within the current delay after <paramref name="eventTime"/> (the exit).</summary>
    public bool IsInBackOffSince(string key, DateTime eventTime, DateTime now)
    {
        lock (gate)
        {
            if (!entries.TryGetValue(key, out var e)) return false;
            if (HasExpired(eventTime, e.LastUpdate)) return false;
            return now - eventTime < e.Delay;
        }
    }

    /// <summary>True while <paramref name="now"/> is within the current delay after the last <see cref="Next"/> (image pulls).</summary>
    public bool IsInBackOffSinceUpdate(string key, DateTime now)
    {
        lock (gate)
        {
            if (!entries.TryGetValue(key, out var e)) return false;
            if (HasExpired(now, e.LastUpdate)) return false;
            return now - e.LastUpdate < e.Delay;
        }
    }

    /// <summary>The delay in force for <paramref name="key"/> (zero when none).</summary>
    public TimeSpan Delay(string key)
    {
        lock (gate) return entries.TryGetValue(key, out var e) ? e.Delay : TimeSpan.Zero;
    }

    /// <summary>Records a restart at <paramref name="now"/> for an exit at <paramref name="eventTime"/>: doubles the delay, or starts over.</summary>
    public void Next(string key, DateTime eventTime, DateTime now)
    {
        lock (gate)
        {
            if (!entries.TryGetValue(key, out var e) || HasExpired(eventTime, e.LastUpdate))
                entries[key] = (initial, now);
            else
                entries[key] = (TimeSpan.FromTicks(Math.Min(e.Delay.Ticks * 2, max.Ticks)), now);
        }
    }

    /// <summary>Forgets every key of a pod (deleted pods).</summary>
    public void Forget(string podUid)
    {
        lock (gate)
            foreach (var k in entries.Keys.Where(k => k.StartsWith(podUid + "/", StringComparison.Ordinal)).ToList()) entries.Remove(k);
    }

    private bool HasExpired(DateTime eventTime, DateTime lastUpdate) => eventTime - lastUpdate > 2 * max;
}
