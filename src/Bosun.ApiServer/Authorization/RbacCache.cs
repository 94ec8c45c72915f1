using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Watch;
using Bosun.Storage;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// Roles, ClusterRoles and their bindings followed from the watch cache, with an immutable <see cref="RbacSnapshot"/>
/// rebuilt only after a change. A denial re-reads storage first (<see cref="RefreshAsync"/>), so a binding that was
/// just created is honoured at once rather than after the watch delivers it.
/// </summary>
internal sealed class RbacCache
{
    private readonly ObjectFollower<RbacRole> clusterRoles;
    private readonly ObjectFollower<RbacRole> roles;
    private readonly ObjectFollower<RbacBinding> clusterBindings;
    private readonly ObjectFollower<RbacBinding> bindings;
    private readonly SemaphoreSlim refresh = new(1, 1);
    private Tuple<long, RbacSnapshot> current = Tuple.Create(-1L, RbacSnapshot.Empty);
    private long relistsStarted;

    public RbacCache(IKeyValueStore storage, ResourceCatalog catalog)
    {
        ResourceRegistration Reg(string resource) => catalog.Get("rbac.authorization.k8s.io", "v1", resource).Registration;
        clusterRoles = new(storage, Reg("clusterroles"), RbacRole.FromJson);
        roles = new(storage, Reg("roles"), RbacRole.FromJson);
        clusterBindings = new(storage, Reg("clusterrolebindings"), RbacBinding.FromJson);
        bindings = new(storage, Reg("rolebindings"), RbacBinding.FromJson);
    }

    public ICollection<RbacRole> ClusterRoles => clusterRoles.Items;

    /// <summary>Called after any ClusterRole change has been applied to <see cref="ClusterRoles"/>.</summary>
    public Action? ClusterRolesChanged
    {
        get => clusterRoles.Changed;
        set => clusterRoles.Changed = value;
    }

    private long Version => clusterRoles.Version + roles.Version + clusterBindings.Version + bindings.Version;

    public Task Synced => Task.WhenAll(clusterRoles.Synced, roles.Synced, clusterBindings.Synced, bindings.Synced);

    public RbacSnapshot Snapshot
    {
        get
        {
            var snap = Volatile.Read(ref current);
            var v = Version;
            if (snap.Item1 == v) return snap.Item2;
            var built = new RbacSnapshot(clusterRoles.Items, roles.Items, clusterBindings.Items, bindings.Items);
            Volatile.Write(ref current, Tuple.Create(v, built));
            return built;
        }
    }

    public Task FollowAsync(WatchCache cache, CancellationToken ct) => Task.WhenAll(
        clusterRoles.FollowAsync(cache, ct), roles.FollowAsync(cache, ct), clusterBindings.FollowAsync(cache, ct), bindings.FollowAsync(cache, ct));

    /// <summary>Relists all four kinds from storage; concurrent callers share one relist.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        var seen = Interlocked.Read(ref relistsStarted);
        await refresh.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // A relist that started after we arrived has finished: its view is at least as new as our request.
            if (Interlocked.Read(ref relistsStarted) > seen) return;
            Interlocked.Increment(ref relistsStarted);
            await Task.WhenAll(clusterRoles.RelistAsync(ct), roles.RelistAsync(ct), clusterBindings.RelistAsync(ct), bindings.RelistAsync(ct)).ConfigureAwait(false);
        }
        finally
        {
            refresh.Release();
        }
    }
}
