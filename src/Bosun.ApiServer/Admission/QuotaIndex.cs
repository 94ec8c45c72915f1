using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Watch;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// Which namespaces hold ResourceQuotas, kept current by the watch cache, so a create in a namespace without quotas
/// skips the storage read the quota plugin would otherwise make (upstream's quota lister). Until the first list, while
/// relisting, and for <see cref="PendingTtl"/> after a quota create was admitted in a namespace, the answer is "maybe"
/// and the caller reads storage: a quota created just before an object is therefore never missed through this
/// server, even if the watch has not delivered it yet. A quota created through another server is seen once the watch
/// delivers it, as with upstream's informer.
/// </summary>
internal sealed class QuotaIndex(IKeyValueStore storage, ResourceRegistration quotas, TimeProvider time)
{
    /// <summary>Upstream's live-lookup TTL; far longer than a write plus its watch delivery.</summary>
    public static readonly TimeSpan PendingTtl = TimeSpan.FromSeconds(30);

    private readonly Lock gate = new();
    private readonly HashSet<string> keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> perNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> pending = new(StringComparer.Ordinal);
    private bool synced;

    /// <summary>False only when the namespace certainly has no ResourceQuota.</summary>
    public bool MayHaveQuotas(string ns)
    {
        lock (gate)
        {
            if (!synced || perNamespace.ContainsKey(ns)) return true;
            if (!pending.TryGetValue(ns, out var since)) return false;
            if (time.GetUtcNow() - since < PendingTtl) return true;
            pending.Remove(ns);
            return false;
        }
    }

    /// <summary>A quota is about to be written in <paramref name="ns"/>: answer "maybe" until the watch has surely delivered it.</summary>
    public void Expect(string ns)
    {
        lock (gate) pending[ns] = time.GetUtcNow();
    }

    /// <summary>Lists all quotas at one revision, then follows their changes, until <paramref name="ct"/> ends.</summary>
    public async Task FollowAsync(WatchCache cache, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            lock (gate) synced = false;
            var all = await storage.RangeAsync(new RangeRequest(quotas.StoragePrefix), ct).ConfigureAwait(false);
            using var sub = cache.Subscribe(quotas, quotas.StoragePrefix, ObjectFilter.Everything, all.Revision, capacity: 100_000);
            if (sub is null) continue;
            lock (gate)
            {
                keys.Clear();
                perNamespace.Clear();
                foreach (var kv in all.Items) Apply(kv.Key, deleted: false);
                synced = true;
            }
            await foreach (var item in sub.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                var meta = Json.ParseObject(item.ObjectJson).Obj("metadata");
                var key = quotas.Key(meta.Str("namespace"), meta.Str("name") ?? "");
                lock (gate) Apply(key, item.Type == "DELETED");
            }
        }
    }

    private void Apply(string key, bool deleted)
    {
        var ns = NamespaceOf(key);
        if (deleted ? !keys.Remove(key) : !keys.Add(key)) return;
        var count = perNamespace.GetValueOrDefault(ns) + (deleted ? -1 : 1);
        if (count > 0) perNamespace[ns] = count;
        else perNamespace.Remove(ns);
    }

    /// <summary>The namespace segment of <c>&lt;prefix&gt;&lt;ns&gt;/&lt;name&gt;</c>.</summary>
    private string NamespaceOf(string key)
    {
        var rest = key.AsSpan(quotas.StoragePrefix.Length);
        return rest[..rest.IndexOf('/')].ToString();
    }
}
