namespace Bosun.ApiServer.Registry;

/// <summary>
/// The outcome of an allocation step, finished exactly once: <see cref="Commit"/> after the storage write succeeded
/// (runs deferred releases), otherwise <see cref="Revert"/> (gives back what was newly taken). Like kube-apiserver's
/// callbackTransaction in the service REST storage.
/// </summary>
internal sealed class AllocationTransaction(Action? commit, Action? revert)
{
    public static readonly AllocationTransaction None = new(null, null);
    private int finished;

    public void Commit()
    {
        if (Interlocked.Exchange(ref finished, 1) == 0) commit?.Invoke();
    }

    public void Revert()
    {
        if (Interlocked.Exchange(ref finished, 1) == 0) revert?.Invoke();
    }
}
