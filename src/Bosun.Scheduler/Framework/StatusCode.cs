namespace Bosun.Scheduler.Framework;

/// <summary>What a plugin answered (upstream framework.Code).</summary>
public enum StatusCode
{
    Success,
    /// <summary>The pod does not fit now; preemption or a cluster change might help.</summary>
    Unschedulable,
    /// <summary>The pod does not fit and preemption cannot change that (a selector or taint mismatch).</summary>
    UnschedulableAndUnresolvable,
    /// <summary>A bug or an unexpected state, not a scheduling answer.</summary>
    Error,
}
