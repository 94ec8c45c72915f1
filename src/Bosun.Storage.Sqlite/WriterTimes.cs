namespace Bosun.Storage.Sqlite;

/// <summary>
/// Stopwatch ticks the writer thread spent on write batches: in total (<see cref="Busy"/>), checking and inserting rows
/// (<see cref="Apply"/>) and in COMMIT (<see cref="Commit"/>); the rest of Busy is publishing events and completing callers.
/// For benchmarks: Busy against wall-clock time shows whether the single writer is the bottleneck.
/// </summary>
internal struct WriterTimes
{
    public long Rows;
    public long Busy;
    public long Apply;
    public long Commit;

    /// <summary>Summed over writes: queued until their batch began, and answered until the caller ran again.</summary>
    public long QueueWait;

    /// <summary>Checkpoints the writer finished itself so the WAL could start over, and the ticks they took.</summary>
    public long CatchUps;
    public long CatchUp;

    public long Resume;
    public long Resumes;

    /// <summary>Commits that took over 1 ms (before WalCheckpointer, SQLite's automatic checkpoint ran inside such commits).</summary>
    public long SlowCommits;
    public long SlowCommit;
}
