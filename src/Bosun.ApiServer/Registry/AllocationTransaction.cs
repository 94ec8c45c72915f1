namespace Bosun.ApiServer.Registry;

/// <summary>
/// The outcome of an allocation step, finished exactly once: <see cref="CommitAsync"/> after the storage write succeeded
/// (runs deferred releases), otherwise <see cref="RevertAsync"/> (gives back what was newly taken). Like kube-apiserver's
/// callbackTransaction in the service REST storage.
/// </summary>
internal sealed class AllocationTransaction(Func<Task>? commit, Func<Task>? revert)
{
    public static readonly AllocationTransaction None = new(null, null);
    private int finished;

    public Task CommitAsync() => Interlocked.Exchange(ref finished, 1) == 0 && commit is not null ? commit() : Task.CompletedTask;

    public Task RevertAsync() => Interlocked.Exchange(ref finished, 1) == 0 && revert is not null ? revert() : Task.CompletedTask;
}
