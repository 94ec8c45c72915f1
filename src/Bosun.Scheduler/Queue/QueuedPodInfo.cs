using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler.Queue;

/// <summary>A pending pod in the scheduling queue, with its attempt count and the times back-off is measured from.</summary>
public sealed class QueuedPodInfo(PodInfo pod, DateTimeOffset now)
{
    public PodInfo Pod { get; internal set; } = pod;

    /// <summary>When the pod (re-)entered the active queue; orders pods of equal priority.</summary>
    public DateTimeOffset Timestamp { get; internal set; } = now;

    public DateTimeOffset InitialAttemptTimestamp { get; internal set; } = now;

    /// <summary>Scheduling attempts so far (incremented on each pop).</summary>
    public int Attempts { get; internal set; }

    /// <summary>When the last attempt failed; back-off counts from here.</summary>
    public DateTimeOffset LastFailure { get; internal set; } = now;

    /// <summary>The filter plugins that rejected the pod last time (decides which cluster events may help).</summary>
    public IReadOnlySet<string> UnschedulablePlugins { get; internal set; } = new HashSet<string>();

    internal long Sequence;
}
