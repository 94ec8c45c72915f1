using System.Text.Json.Nodes;
using System.Threading.Channels;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Registry.Kinds;
using Bosun.ApiServer.Watch;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Bootstrap;

/// <summary>
/// Finishes namespace deletion: when a namespace is Terminating, deletes everything in it, then removes the
/// <c>kubernetes</c> finalizer so the namespace itself goes. Reconciles a namespace name, retrying with back-off
/// while content remains (pods waiting out their grace period, objects with finalizers).
/// </summary>
internal sealed partial class NamespaceFinalizer(ResourceCatalog catalog, WatchCache cache, ILogger<NamespaceFinalizer> logger, TimeProvider time)
{
    private readonly Channel<string> queue = Channel.CreateUnbounded<string>();
    private readonly Dictionary<string, int> failures = [];

    public async Task RunAsync(CancellationToken ct)
    {
        var namespaces = catalog.Get("", "v1", "namespaces");
        var reg = namespaces.Registration;
        var list = await namespaces.ListAsync(null, new ListOptions(), ct);
        using var sub = cache.Subscribe(reg, reg.StoragePrefix, ObjectFilter.Everything, list.Revision, capacity: 100_000)
            ?? throw new InvalidOperationException("the watch cache cannot serve the namespace list revision");
        foreach (var ns in list.Items.Where(IsTerminating)) queue.Writer.TryWrite(ns.Obj("metadata").Str("name")!);

        var pump = Task.Run(async () =>
        {
            await foreach (var item in sub.Reader.ReadAllAsync(ct))
            {
                if (item.Type == "DELETED") continue;
                var obj = Json.ParseObject(item.ObjectJson);
                if (IsTerminating(obj)) queue.Writer.TryWrite(obj.Obj("metadata").Str("name")!);
            }
        }, ct);

        await foreach (var name in queue.Reader.ReadAllAsync(ct))
        {
            if (await FinalizeAsync(name, ct))
            {
                failures.Remove(name);
                continue;
            }
            var attempt = failures[name] = failures.GetValueOrDefault(name) + 1;
            var delay = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(attempt, 5)) / 2));
            _ = Task.Delay(delay, time, ct).ContinueWith(_ => queue.Writer.TryWrite(name), ct, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
        await pump;
    }

    private static bool IsTerminating(JsonObject ns) => ns.Obj("metadata")?["deletionTimestamp"] is not null;

    /// <summary>True when the namespace is empty and finalized (or already gone).</summary>
    private async Task<bool> FinalizeAsync(string name, CancellationToken ct)
    {
        var remaining = 0;
        foreach (var store in catalog.All.Where(s => s.Registration.Namespaced && s.Registration.Converter is null))
        {
            var items = await store.ListAsync(name, new ListOptions(), ct);
            foreach (var item in items.Items)
            {
                remaining++;
                try
                {
                    var result = await store.DeleteAsync(name, item.Obj("metadata").Str("name")!, new DeleteOptions(), ct);
                    if (result.Deleted) remaining--;
                }
                catch (ApiException e) when (e.Code is 404)
                {
                    remaining--;
                }
            }
        }
        if (remaining > 0)
        {
            Log.ContentRemains(logger, name, remaining);
            return false;
        }

        try
        {
            await catalog.Get("", "v1", "namespaces").UpdateAsync(null, name, UpdateKind.Any, ns =>
            {
                var finalizers = ns.Obj("spec").Arr("finalizers");
                if (finalizers is null) return ns;
                foreach (var f in finalizers.Where(f => f?.ToString() == NamespaceStrategy.Finalizer).ToList()) finalizers.Remove(f);
                return ns;
            }, new WriteOptions(), ct);
            Log.Finalized(logger, name);
        }
        catch (ApiException e) when (e.Code == 404)
        {
        }
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Namespace {Namespace} is empty and finalized")]
        public static partial void Finalized(ILogger logger, string @namespace);

        [LoggerMessage(Level = LogLevel.Debug, Message = "Namespace {Namespace} still has {Remaining} objects being deleted")]
        public static partial void ContentRemains(ILogger logger, string @namespace, int remaining);
    }
}
