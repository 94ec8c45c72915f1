using System.Collections.Concurrent;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Watch;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// The NamespaceLifecycle rule for writes: namespaced objects may only be created in a namespace that exists and
/// is not being terminated. Answers from a cache kept current by the watch cache (as the admission plugin uses an
/// informer); a namespace the cache has not seen yet (created a moment ago) is looked up in storage.
/// </summary>
internal sealed class NamespaceGuard(IKeyValueStore storage)
{
    private const string Prefix = "/registry/namespaces/";
    private readonly ConcurrentDictionary<string, bool> terminating = new();

    /// <summary>
    /// 404 for a missing namespace; 403 for a terminating one, worded like the NamespaceLifecycle admission plugin
    /// (<c>configmaps "x" is forbidden: unable to create new content in namespace …</c>, cause NamespaceTerminating).
    /// </summary>
    public async Task EnsureWritableAsync(string ns, string group, string resource, string name, CancellationToken ct)
    {
        if (!terminating.TryGetValue(ns, out var isTerminating))
        {
            var kv = await storage.GetAsync(Prefix + ns, ct) ?? throw ApiException.NotFound("", "namespaces", ns);
            isTerminating = IsTerminating(kv.Value.Span);
        }
        if (isTerminating)
            throw new ApiException(403, "Forbidden",
                $"{ApiException.Qualified(group, resource)} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated")
            {
                DetailsName = name,
                DetailsGroup = group,
                DetailsKind = resource,
                Causes = [new StatusCause("NamespaceTerminating", $"namespace {ns} is being terminated", "metadata.namespace")],
            };
    }

    /// <summary>Follows namespace changes from the watch cache until <paramref name="ct"/> ends.</summary>
    public async Task FollowAsync(WatchCache cache, ResourceRegistration namespaces, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            // Start from a full list at one revision, then follow changes after it: a miss then means "not seen yet".
            terminating.Clear();
            var all = await storage.RangeAsync(new RangeRequest(Prefix), ct);
            using var sub = cache.Subscribe(namespaces, Prefix, ObjectFilter.Everything, all.Revision, capacity: 100_000);
            if (sub is null) continue;
            foreach (var kv in all.Items) terminating[kv.Key[Prefix.Length..]] = IsTerminating(kv.Value.Span);
            await foreach (var item in sub.Reader.ReadAllAsync(ct))
            {
                var obj = Json.ParseObject(item.ObjectJson);
                var name = obj.Obj("metadata").Str("name")!;
                if (item.Type == "DELETED") terminating.TryRemove(name, out _);
                else terminating[name] = obj.Obj("metadata")?["deletionTimestamp"] is not null;
            }
        }
    }

    private static bool IsTerminating(ReadOnlySpan<byte> json) => Json.ParseObject(json).Obj("metadata")?["deletionTimestamp"] is not null;
}
