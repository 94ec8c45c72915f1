using Bosun.ApiServer.Watch;
using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Controllers;

/// <summary>
/// Runs an <see cref="IWatchedController"/> like an informer-driven controller: list once, then follow the watch
/// cache from that revision, relisting only when the cache lost events; one worker reconciles dirty keys. An idle
/// cluster therefore costs no storage reads. <c>resync</c>, when given, re-queues every key at that interval as a
/// safety net (upstream's informer resync).
/// </summary>
internal static partial class WatchDriven
{
    private static readonly TimeSpan RelistBackoff = TimeSpan.FromSeconds(1);

    public static async Task RunAsync(IWatchedController controller, WatchCache cache, TimeSpan? resync, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        using var queue = new WorkQueue<string>(time);
        var tasks = new List<Task>
        {
            FollowAsync(controller, cache, queue, time, logger, ct),
            KeyWorker.RunAsync(queue, controller.ReconcileAsync, logger, ct),
        };
        if (resync is { } period) tasks.Add(ResyncAsync(controller, queue, period, time, logger, ct));
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private static async Task FollowAsync(IWatchedController controller, WatchCache cache, WorkQueue<string> queue, TimeProvider time, ILogger logger,
        CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            long revision;
            try
            {
                revision = await controller.ListAsync(queue.Add, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Log.ListFailed(logger, e);
                await Task.Delay(RelistBackoff, time, ct).ConfigureAwait(false);
                continue;
            }
            using var feed = cache.Follow(controller.Interested, revision);
            if (feed is null)
            {
                // The list is older than the cache's history (it lags storage); list again shortly rather than spin.
                await Task.Delay(RelistBackoff, time, ct).ConfigureAwait(false);
                continue;
            }
            await foreach (var change in feed.Reader.ReadAllAsync(ct).ConfigureAwait(false))
                foreach (var key in KeysOf(controller, change, logger)) queue.Add(key);
            // The feed ended: the cache lost events or this controller fell behind. Relist, as an informer does.
        }
    }

    /// <summary>A change the controller cannot read (a stored value that is not valid JSON) is skipped, not fatal to the controller.</summary>
    private static IEnumerable<string> KeysOf(IWatchedController controller, Storage.WatchEvent change, ILogger logger)
    {
        try
        {
            return controller.KeysOf(change).ToList();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
        {
            Log.ChangeUnreadable(logger, change.Kv.Key, e);
            return [];
        }
    }

    private static async Task ResyncAsync(IWatchedController controller, WorkQueue<string> queue, TimeSpan period, TimeProvider time, ILogger logger,
        CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(period, time, ct).ConfigureAwait(false);
            try
            {
                await controller.ListAsync(queue.Add, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Log.ListFailed(logger, e);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Listing for a controller failed; retrying")]
        public static partial void ListFailed(ILogger logger, Exception e);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Skipping a change to {Key} that cannot be read")]
        public static partial void ChangeUnreadable(ILogger logger, string key, Exception e);
    }
}
