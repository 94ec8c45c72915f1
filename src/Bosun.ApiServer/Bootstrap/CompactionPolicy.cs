namespace Bosun.ApiServer.Bootstrap;

/// <summary>How much storage history to keep, and how big a step one compaction call may take.</summary>
public sealed record CompactionPolicy
{
    /// <summary>How often to compact; by default history younger than one interval stays (kube-apiserver: 5 minutes).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>When above 0, keep this many revisions instead of one interval's worth.</summary>
    public long RetainRevisions { get; init; }

    /// <summary>Most revisions forgotten per compaction call, so no single call holds the store for long.</summary>
    public long BatchRevisions { get; init; } = 10_000;

    /// <summary>
    /// The revision to compact to now: with <see cref="RetainRevisions"/>, that many behind <paramref name="current"/>;
    /// otherwise the revision seen one tick ago (<paramref name="previousTick"/>). 0 when there is nothing to do.
    /// </summary>
    public long Target(long previousTick, long current, long compacted)
    {
        var target = RetainRevisions > 0 ? current - RetainRevisions : previousTick;
        return target > compacted ? target : 0;
    }

    /// <summary>The revisions to compact to in turn, from just after <paramref name="compacted"/> up to <paramref name="target"/>, at most <see cref="BatchRevisions"/> apart.</summary>
    public IEnumerable<long> Steps(long compacted, long target)
    {
        var step = Math.Max(1, BatchRevisions);
        for (var next = compacted + step; next < target; next += step)
            yield return next;
        if (target > compacted)
            yield return target;
    }
}
