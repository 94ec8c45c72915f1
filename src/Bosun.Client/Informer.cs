using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>The part of an informer a controller host needs without knowing its type.</summary>
public interface IInformer
{
    bool HasSynced { get; }
    Task WaitForSyncAsync(CancellationToken ct);
    Task RunAsync(CancellationToken ct);
}

/// <summary>
/// A local cache of one kind, kept current by list + watch (client-go's Reflector + Indexer + SharedInformer):
/// lists, then watches from the list's resourceVersion, resumes from the last event seen when the stream ends,
/// and relists on 410 Gone. Handlers run on the informer's loop, in order; they should only enqueue keys.
/// Objects from the cache are shared: never modify one, clone it first.
/// </summary>
public sealed partial class Informer<T> : IInformer where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ApiClient api;
    private readonly string? ns;
    private readonly ListQuery query;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Dictionary<ObjectKey, T> items = [];
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action<T>> onAdd = [];
    private readonly List<Action<T, T>> onUpdate = [];
    private readonly List<Action<T>> onDelete = [];

    public Informer(ApiClient api, ILogger logger, TimeProvider? time = null, string? ns = null, ListQuery? query = null)
    {
        this.api = api;
        this.logger = logger;
        this.time = time ?? TimeProvider.System;
        this.ns = ns;
        this.query = query ?? ListQuery.Everything;
    }

    public bool HasSynced => synced.Task.IsCompleted;

    public Task WaitForSyncAsync(CancellationToken ct) => synced.Task.WaitAsync(ct);

    /// <summary>Registers handlers; call before <see cref="RunAsync"/>.</summary>
    public Informer<T> On(Action<T>? added = null, Action<T, T>? updated = null, Action<T>? deleted = null)
    {
        if (added is not null) onAdd.Add(added);
        if (updated is not null) onUpdate.Add(updated);
        if (deleted is not null) onDelete.Add(deleted);
        return this;
    }

    public bool TryGet(ObjectKey key, out T obj)
    {
        lock (gate) return items.TryGetValue(key, out obj!);
    }

    public T? Get(string? ns, string name) => TryGet(new ObjectKey(ns ?? "", name), out var obj) ? obj : null;

    /// <summary>Cached objects, optionally of one namespace.</summary>
    public List<T> List(string? inNamespace = null)
    {
        lock (gate)
        {
            return inNamespace is null
                ? [.. items.Values]
                : items.Values.Where(o => (o.Metadata.NamespaceProperty ?? "") == inNamespace).ToList();
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        string? rv = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                rv ??= await ListAsync(ct);
                synced.TrySetResult();
                await foreach (var e in api.WatchAsync<T>(ns, rv, query with { TimeoutSeconds = 300 }, ct))
                {
                    if (e.Type != WatchEventType.Bookmark) Apply(e);
                    if (e.ResourceVersion.Length > 0) rv = e.ResourceVersion;
                }
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (ApiException e) when (e.IsGone)
            {
                Log.Relisting(logger, typeof(T).Name, e.Message);
                rv = null;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or ApiException)
            {
                Log.WatchFailed(logger, typeof(T).Name, e.Message);
                await Task.Delay(backoff, time, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <summary>Lists everything (in pages) and replaces the cache, telling handlers what changed.</summary>
    private async Task<string> ListAsync(CancellationToken ct)
    {
        var fresh = new Dictionary<ObjectKey, T>();
        string? cont = null;
        string rv;
        do
        {
            var page = await api.ListAsync<ListResponse<T>>(typeof(T), ns, query with { Limit = 500, Continue = cont }, ct);
            foreach (var item in page.Items ?? []) fresh[ObjectKey.Of(item)] = Trim(item);
            cont = page.Metadata?.ContinueProperty;
            rv = page.Metadata?.ResourceVersion ?? "0";
        } while (!string.IsNullOrEmpty(cont));

        List<T> removed;
        List<(T? Old, T New)> changed = [];
        lock (gate)
        {
            removed = items.Where(kv => !fresh.ContainsKey(kv.Key)).Select(kv => kv.Value).ToList();
            foreach (var (key, obj) in fresh)
            {
                items.TryGetValue(key, out var old);
                if (old?.Metadata.ResourceVersion != obj.Metadata.ResourceVersion) changed.Add((old, obj));
            }
            items.Clear();
            foreach (var (k, v) in fresh) items[k] = v;
        }
        foreach (var r in removed) Notify(WatchEventType.Deleted, null, r);
        foreach (var (old, obj) in changed) Notify(old is null ? WatchEventType.Added : WatchEventType.Modified, old, obj);
        return rv;
    }

    /// <summary>
    /// Drops managedFields from cached objects, as kube's controller manager and scheduler do: nothing reads them from a
    /// cache, they are most of an object's size, and an update that omits them keeps the server's copy.
    /// </summary>
    private static T Trim(T obj)
    {
        if (obj.Metadata is { } meta) meta.ManagedFields = null;
        return obj;
    }

    private void Apply(WatchEvent<T> e)
    {
        Trim(e.Object);
        var key = ObjectKey.Of(e.Object);
        T? old;
        lock (gate)
        {
            items.TryGetValue(key, out old);
            if (e.Type == WatchEventType.Deleted) items.Remove(key);
            else items[key] = e.Object;
        }
        var type = e.Type == WatchEventType.Deleted ? WatchEventType.Deleted : old is null ? WatchEventType.Added : WatchEventType.Modified;
        Notify(type, old, e.Object);
    }

    private void Notify(WatchEventType type, T? old, T obj)
    {
        try
        {
            switch (type)
            {
                case WatchEventType.Added: foreach (var h in onAdd) h(obj); break;
                case WatchEventType.Modified: foreach (var h in onUpdate) h(old!, obj); break;
                case WatchEventType.Deleted: foreach (var h in onDelete) h(obj); break;
            }
        }
        catch (Exception e)
        {
            // A failing handler is a bug in one controller; it must not stop the cache that every controller shares.
            Log.HandlerFailed(logger, typeof(T).Name, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Informer for {Kind} relisting: {Reason}")]
        public static partial void Relisting(ILogger logger, string kind, string reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "An event handler of the {Kind} informer failed")]
        public static partial void HandlerFailed(ILogger logger, string kind, Exception e);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Informer for {Kind} watch failed, retrying: {Reason}")]
        public static partial void WatchFailed(ILogger logger, string kind, string reason);
    }
}
