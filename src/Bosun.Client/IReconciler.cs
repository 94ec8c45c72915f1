namespace Bosun.Client;

/// <summary>
/// A controller's decision: make the world match the object named by a key. Level-triggered: the key says which
/// object to look at, never what happened to it. Throw to retry with back-off; return a delay for time-based work.
/// </summary>
public interface IReconciler
{
    string Name { get; }

    Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken ct);
}

/// <summary>What a reconcile wants next: nothing, or another look after a delay.</summary>
public readonly record struct ReconcileResult(TimeSpan? RequeueAfter)
{
    public static readonly ReconcileResult Done = new(null);

    public static ReconcileResult After(TimeSpan delay) => new(delay);
}
