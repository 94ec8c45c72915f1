namespace Bosun.Scheduler.Plugins.NodeResourcesFit;

/// <summary>How NodeResourcesFit ranks nodes that fit: spread pods out (default) or pack them.</summary>
public enum ScoringStrategy
{
    LeastAllocated,
    MostAllocated,
}
