using System.Collections.Concurrent;

namespace Bosun.Agent.Pods;

/// <summary>
/// Which pods' node copies (containers, sandboxes, volumes, cgroup, directories) this agent has removed, so that the
/// events that follow a teardown (the API's deletion, the relist seeing the containers go) do not remove them again.
/// An entry goes once nothing of the pod is left to report: no worker, and the runtime lists none of its containers.
/// </summary>
internal sealed class PodTeardowns
{
    private readonly ConcurrentDictionary<string, bool> done = new();   // uid → the API object was deleted too

    public bool IsCleanedUp(string uid) => done.ContainsKey(uid);

    public bool IsApiObjectDeleted(string uid) => done.TryGetValue(uid, out var deleted) && deleted;

    public void CleanedUp(string uid) => done.TryAdd(uid, false);

    public void ApiObjectDeleted(string uid) => done[uid] = true;

    /// <summary>Forgets pods the runtime no longer lists (<paramref name="inRuntime"/>, this relist and the last) that have no worker.</summary>
    public void Prune(IReadOnlySet<string> inRuntime, Func<string, bool> hasWorker)
    {
        foreach (var uid in done.Keys)
            if (!inRuntime.Contains(uid) && !hasWorker(uid)) done.TryRemove(uid, out _);
    }

    public bool IsEmpty => done.IsEmpty;

    internal int Count => done.Count;
}
