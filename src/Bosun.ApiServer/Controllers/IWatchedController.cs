using Bosun.Storage;

namespace Bosun.ApiServer.Controllers;

/// <summary>
/// A controller inside the API server that <see cref="WatchDriven"/> runs: storage changes mark keys dirty, and each
/// dirty key is reconciled from the current state (a key, not an event, so a burst of changes costs one reconcile).
/// </summary>
internal interface IWatchedController
{
    /// <summary>Whether a change to this storage key can concern the controller (called under the watch cache lock: keep it cheap).</summary>
    bool Interested(string storageKey);

    /// <summary>Lists what the controller owns, queues every key, and returns the revision the list was read at.</summary>
    Task<long> ListAsync(Action<string> enqueue, CancellationToken ct);

    /// <summary>The keys a change makes dirty (often one, sometimes none).</summary>
    IEnumerable<string> KeysOf(WatchEvent change);

    /// <summary>Brings one key to its desired state; an exception retries it after a back-off.</summary>
    Task ReconcileAsync(string key, CancellationToken ct);
}
