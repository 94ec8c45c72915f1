using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Watch;
using Bosun.Storage;

namespace Bosun.ApiServer.Authorization;

/// <summary>
/// An informer inside the API server: a full list of one resource at one revision, then its changes from the watch
/// cache, kept as <typeparamref name="T"/> (a slim projection of each object) by storage key.
/// </summary>
internal sealed class ObjectFollower<T>(IKeyValueStore storage, ResourceRegistration reg, Func<JsonObject, T> project) where T : class
{
    private readonly ConcurrentDictionary<string, T> items = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long version;

    /// <summary>Bumped on every change, so readers can tell a derived snapshot is stale.</summary>
    public long Version => Interlocked.Read(ref version);

    public ICollection<T> Items => items.Values;

    /// <summary>Called after each change is applied (and after each relist), on the following task: keep it short.</summary>
    public Action? Changed { get; set; }

    /// <summary>Completes after the first full list.</summary>
    public Task Synced => synced.Task;

    /// <summary>Replaces the contents with a fresh list from storage (also the read-your-writes path after a denial).</summary>
    public async Task<long> RelistAsync(CancellationToken ct)
    {
        var all = await storage.RangeAsync(new RangeRequest(reg.StoragePrefix), ct).ConfigureAwait(false);
        var fresh = all.Items.ToDictionary(kv => kv.Key, kv => project(Json.ParseObject(kv.Value.Span)), StringComparer.Ordinal);
        foreach (var key in items.Keys.Where(k => !fresh.ContainsKey(k))) items.TryRemove(key, out _);
        foreach (var (k, v) in fresh) items[k] = v;
        Interlocked.Increment(ref version);
        Changed?.Invoke();
        return all.Revision;
    }

    /// <summary>Follows changes until <paramref name="ct"/> ends, relisting whenever the watch cache cannot resume.</summary>
    public async Task FollowAsync(WatchCache cache, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var revision = await RelistAsync(ct).ConfigureAwait(false);
            synced.TrySetResult();
            using var sub = cache.Subscribe(reg, reg.StoragePrefix, ObjectFilter.Everything, revision, capacity: 100_000);
            if (sub is null) continue;
            await foreach (var item in sub.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var obj = Json.ParseObject(item.ObjectJson);
                var meta = obj.Obj("metadata");
                var key = reg.Key(meta.Str("namespace"), meta.Str("name") ?? "");
                if (item.Type == "DELETED") items.TryRemove(key, out _);
                else items[key] = project(obj);
                Interlocked.Increment(ref version);
                Changed?.Invoke();
            }
        }
    }
}
