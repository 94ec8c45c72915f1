using Bosun.Scheduler.Framework;

namespace Bosun.Scheduler;

/// <summary>Settings of one scheduler (kube-scheduler's KubeSchedulerConfiguration, the parts Bosun has).</summary>
public sealed record SchedulerOptions
{
    /// <summary>The profile: plugins, weights and the scheduler name pods select with <c>spec.schedulerName</c>.</summary>
    public SchedulerProfile Profile { get; init; } = SchedulerProfile.Default();

    /// <summary>0 = adaptive (50% − nodes/125, at least 5% and 100 nodes); otherwise a fixed percentage.</summary>
    public int PercentageOfNodesToScore { get; init; }

    /// <summary>How many binds may be in flight at once.</summary>
    public int MaxInFlightBindings { get; init; } = 256;

    /// <summary>The leader-election identity; defaults to host name plus a random suffix.</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}_{Guid.NewGuid():N}";

    /// <summary><c>--leader-elect-lease-duration</c>: how long the scheduler's Lease lasts without renewal.</summary>
    public TimeSpan LeaderElectLeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Seed for breaking score ties (tests pin it).</summary>
    public int Seed { get; init; } = Environment.TickCount;
}
