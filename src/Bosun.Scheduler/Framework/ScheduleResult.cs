namespace Bosun.Scheduler.Framework;

/// <summary>The decision for one pod: a node, or why none fits.</summary>
public readonly record struct ScheduleResult(string? SuggestedHost, int EvaluatedNodes, int FeasibleNodes, FitError? Error)
{
    public bool Succeeded => SuggestedHost is not null;
}
