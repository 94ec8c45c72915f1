using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// Reads one page of a list: storage ranges at a pinned revision, filtered, until <c>limit</c> matching items are
/// found; the continue token remembers where to resume (kube-apiserver's etcd3 GetList).
/// </summary>
internal static class ListPages
{
    public static async Task<ListResult> ReadAsync(IKeyValueStore storage, ResourceRegistration reg, string prefix,
        ListOptions options, CancellationToken ct)
    {
        long revision = 0;
        string? start = null;
        if (options.Continue is { Length: > 0 } token)
        {
            (revision, var relative) = ContinueToken.Decode(token);
            start = prefix + relative;
        }
        else if (options.ResourceVersion is > 0 and var requested)
        {
            // A list must not be older than the resourceVersion asked for (Exact or NotOlderThan); storage cannot serve the future.
            var current = await storage.CurrentRevisionAsync(ct);
            if (requested > current) throw ApiException.TooLargeResourceVersion(requested, current);
            if (options.Exact) revision = requested;
        }

        var items = new List<JsonObject>();
        var limit = options.Limit;
        var pageSize = limit <= 0 ? 0 : options.Filter.IsEverything ? limit : Math.Max(limit, 500);
        while (true)
        {
            var page = await RangeAsync(storage, new RangeRequest(prefix, start, pageSize, revision), options.Continue is not null, ct);
            revision = page.Revision;
            for (var i = 0; i < page.Items.Count; i++)
            {
                var obj = ObjectCodec.Decode(reg, page.Items[i]);
                if (!options.Filter.Matches(obj)) continue;
                items.Add(obj);
                if (limit > 0 && items.Count == limit)
                {
                    var more = i < page.Items.Count - 1 || page.More;
                    if (!more) return new ListResult(items, revision, null, null);
                    var next = page.Items[i].Key + "\0";
                    long? remaining = options.Filter.IsEverything ? page.Remaining + (page.Items.Count - 1 - i) : null;
                    return new ListResult(items, revision, ContinueToken.Encode(revision, next[prefix.Length..]), remaining);
                }
            }
            if (!page.More || page.Items.Count == 0) return new ListResult(items, revision, null, null);
            start = page.Items[^1].Key + "\0";
        }
    }

    private static async Task<RangeResult> RangeAsync(IKeyValueStore storage, RangeRequest request, bool continuing, CancellationToken ct)
    {
        try
        {
            return await storage.RangeAsync(request, ct);
        }
        catch (StorageException e) when (e.Kind == StorageErrorKind.Compacted)
        {
            if (continuing)
                throw ApiException.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            throw ApiException.Expired($"too old resource version: {request.Revision} ({e.CompactedRevision})");
        }
    }
}
