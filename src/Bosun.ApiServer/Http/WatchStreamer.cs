using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Tables;
using Bosun.ApiServer.Watch;
using Bosun.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bosun.ApiServer.Http;

/// <summary>
/// Serves <c>?watch=true</c>: a chunked stream of <c>{"type":…,"object":…}</c> lines. Without a resourceVersion
/// (or with "0") it first sends the current objects as ADDED; it resumes after a given resourceVersion from the
/// watch cache, or from storage when that is older than the cache, and reports a compacted one as a 410 ERROR event.
/// </summary>
internal sealed class WatchStreamer(WatchCache cache, IKeyValueStore storage, TimeProvider time)
{
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(30);

    public async Task StreamAsync(HttpContext ctx, GenericStore store, string? ns, string? name, CancellationToken ct)
    {
        var reg = store.Registration;
        var query = ctx.Request.Query;
        var options = ListOptionsParser.Parse(query, reg, watch: true);
        if (name is not null) options = options with { Filter = SelectorFilter.WithName(reg, options.Filter, name) };
        var bookmarks = query.Bool("allowWatchBookmarks");
        var timeout = query.Long("timeoutSeconds") is > 0 and long t ? TimeSpan.FromSeconds(t) : Timeout.InfiniteTimeSpan;
        // Shutdown ends watches cleanly (clients re-watch) instead of waiting for them to drain.
        var stopping = ctx.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct, stopping);
        if (timeout != Timeout.InfiniteTimeSpan) deadline.CancelAfter(timeout);

        var sink = new WatchSink(ctx, ResponseWriter.WantsTable(ctx.Request) ? TableConvertors.For(reg.Group, reg.Resource) : null,
            ResponseWriter.IncludeObject(ctx), time);
        var from = options.ResourceVersion ?? 0;
        var initial = from == 0 ? await store.ListAsync(ns, options with { Limit = 0, Continue = null }, ct) : null;
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = sink.ContentType;
        await ctx.Response.StartAsync(ct);

        if (initial is not null)
        {
            foreach (var item in initial.Items) await sink.WriteAsync("ADDED", Json.ToBytes(item), deadline.Token);
            from = initial.Revision;
            await sink.FlushAsync(deadline.Token);
        }

        try
        {
            using var sub = cache.Subscribe(reg, reg.NamespacePrefix(ns), options.Filter, from);
            if (sub is not null) await PumpCacheAsync(sub, sink, reg, bookmarks, deadline.Token);
            else await PumpStorageAsync(reg, ns, options.Filter, from, sink, deadline.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // timeoutSeconds elapsed or the server is stopping: a clean end of stream tells the client to re-watch from its last revision.
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Compacted)
        {
            await sink.ErrorAsync(ApiException.Expired($"too old resource version: {from} ({e.CompactedRevision})"), ct);
        }
    }

    private async Task PumpCacheAsync(WatchSubscription sub, WatchSink sink, ResourceRegistration reg, bool bookmarks, CancellationToken ct)
    {
        var reader = sub.Reader;
        Task<bool>? waiting = null;
        while (true)
        {
            while (reader.TryRead(out var item)) await sink.WriteAsync(item.Type, item.ObjectJson, ct);
            await sink.FlushAsync(ct);
            waiting ??= reader.WaitToReadAsync(ct).AsTask();
            if (bookmarks && await Task.WhenAny(waiting, Task.Delay(BookmarkInterval, time, ct)) != waiting)
            {
                ct.ThrowIfCancellationRequested();
                // Read the revision before checking the queue: every event up to it was queued before it was published.
                var revision = cache.LatestRevision;
                if (!reader.TryPeek(out _)) await sink.WriteAsync("BOOKMARK", Bookmark(reg, revision), ct);
                continue;
            }
            // False: closed for being too slow, or the cache restarted; the client re-watches from its last revision.
            if (!await waiting) return;
            waiting = null;
        }
    }

    private async Task PumpStorageAsync(ResourceRegistration reg, string? ns, ObjectFilter filter, long from, WatchSink sink, CancellationToken ct)
    {
        // Send the headers now, as kube-apiserver does: a client may wait for them before making the change it watches for.
        await sink.FlushAsync(ct);
        await foreach (var change in storage.WatchAsync(reg.NamespacePrefix(ns), from, ct))
        {
            var e = new CachedEvent(change);
            var sub = new WatchSubscription(reg, reg.NamespacePrefix(ns), filter, 1);
            sub.Offer(e);
            while (sub.Reader.TryRead(out var item)) await sink.WriteAsync(item.Type, item.ObjectJson, ct);
            await sink.FlushAsync(ct);
        }
    }

    private static byte[] Bookmark(ResourceRegistration reg, long revision) =>
        Encoding.UTF8.GetBytes($"{{\"kind\":\"{reg.Kind}\",\"apiVersion\":\"{reg.ApiVersion}\",\"metadata\":{{\"resourceVersion\":\"{revision}\"}}}}");

    /// <summary>
    /// Writes event lines to the response, as JSON objects or as one-row Tables. Lines are buffered in the response pipe
    /// and sent by <see cref="FlushAsync"/> (or once <see cref="FlushThreshold"/> bytes are pending), so an event is one
    /// HTTP/2 DATA frame and one TLS record rather than one per fragment: <c>PipeWriter.WriteAsync</c> flushes each call.
    /// </summary>
    private sealed class WatchSink(HttpContext ctx, TableConvertor? table, IncludeObjectPolicy include, TimeProvider time)
    {
        private const int FlushThreshold = 64 * 1024;
        private static readonly byte[] Suffix = "}\n"u8.ToArray();
        private static readonly byte[] Added = Prefix("ADDED");
        private static readonly byte[] Modified = Prefix("MODIFIED");
        private static readonly byte[] Deleted = Prefix("DELETED");
        private readonly TableWatchEncoder? encoder = table is null ? null : new TableWatchEncoder(table, include);
        private long pending;

        public string ContentType => "application/json";

        private static byte[] Prefix(string type) => Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"object\":");

        public async Task WriteAsync(string type, byte[] objectJson, CancellationToken ct)
        {
            var body = ctx.Response.BodyWriter;
            if (encoder is not null && type is not ("BOOKMARK" or "ERROR"))
            {
                // Each watcher parses its own copy: cached events are shared and JsonNode is not thread-safe.
                var row = encoder.Encode(type, Json.ParseObject(objectJson), time.GetUtcNow());
                body.Write(row);
                pending += row.Length;
            }
            else
            {
                var prefix = type switch { "ADDED" => Added, "MODIFIED" => Modified, "DELETED" => Deleted, _ => Prefix(type) };
                body.Write(prefix);
                body.Write(objectJson);
                body.Write(Suffix);
                pending += prefix.Length + objectJson.Length + Suffix.Length;
            }
            if (pending >= FlushThreshold) await FlushAsync(ct);
        }

        public async Task FlushAsync(CancellationToken ct)
        {
            pending = 0;
            await ctx.Response.BodyWriter.FlushAsync(ct);
        }

        public async Task ErrorAsync(ApiException e, CancellationToken ct)
        {
            await WriteAsync("ERROR", StatusWriter.Failure(e), ct);
            await FlushAsync(ct);
        }
    }
}
