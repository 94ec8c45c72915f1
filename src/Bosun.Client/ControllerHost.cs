using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>
/// Runs controllers: starts their informers, waits until every cache has synced, then runs workers that take keys
/// from each controller's queue and reconcile them (client-go's processNextWorkItem loop). An exception re-queues
/// the key with back-off; success forgets its failures.
/// </summary>
public sealed partial class ControllerHost(ILogger<ControllerHost> logger)
{
    private readonly List<IInformer> informers = [];
    private readonly List<(IReconciler Reconciler, WorkQueue<ObjectKey> Queue, int Workers)> controllers = [];

    public ControllerHost AddInformer(IInformer informer)
    {
        if (!informers.Contains(informer)) informers.Add(informer);
        return this;
    }

    public ControllerHost AddController(IReconciler reconciler, WorkQueue<ObjectKey> queue, int workers = 1)
    {
        controllers.Add((reconciler, queue, workers));
        return this;
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var running = informers.Select(i => Task.Run(() => i.RunAsync(ct), ct)).ToList();
        await Task.WhenAll(informers.Select(i => i.WaitForSyncAsync(ct)));
        Log.CachesSynced(logger, controllers.Count);
        var workers = controllers.SelectMany(c => Enumerable.Range(0, c.Workers).Select(_ => Task.Run(() => WorkAsync(c.Reconciler, c.Queue, ct), ct))).ToList();
        try
        {
            await Task.WhenAll(running.Concat(workers));
        }
        finally
        {
            foreach (var c in controllers) c.Queue.ShutDown();
        }
    }

    private async Task WorkAsync(IReconciler reconciler, WorkQueue<ObjectKey> queue, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var (ok, key) = await queue.TakeAsync(ct);
            if (!ok) return;
            try
            {
                var result = await reconciler.ReconcileAsync(key, ct);
                queue.Forget(key);
                if (result.RequeueAfter is { } delay) queue.AddAfter(key, delay);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.ReconcileFailed(logger, reconciler.Name, key.ToString(), e.Message);
                queue.AddRateLimited(key);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Caches synced; starting {Count} controllers")]
        public static partial void CachesSynced(ILogger logger, int count);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Reconcile of {Object} by {Controller} failed, retrying: {Reason}")]
        public static partial void ReconcileFailed(ILogger logger, string controller, string @object, string reason);
    }
}
