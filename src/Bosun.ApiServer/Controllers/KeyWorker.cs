using Bosun.ApiServer.Errors;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Controllers;

/// <summary>
/// The one worker of an API server controller's <see cref="Bosun.Client.WorkQueue{T}"/>: reconciles keys one at a
/// time; a failed key comes back after its back-off.
/// </summary>
internal static partial class KeyWorker
{
    public static async Task RunAsync(Bosun.Client.WorkQueue<string> queue, Func<string, CancellationToken, Task> reconcile, ILogger logger, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var (ok, key) = await queue.TakeAsync(ct).ConfigureAwait(false);
            if (!ok) return;
            try
            {
                await reconcile(key, ct).ConfigureAwait(false);
                queue.Forget(key);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
            catch (ApiException e)
            {
                // A concurrent edit (409) or an object deleted meanwhile: expected now and then.
                Log.Retrying(logger, key, queue.AddRateLimited(key), e.Message);
            }
            catch (Exception e)
            {
                Log.Failed(logger, key, queue.AddRateLimited(key), e);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Reconciling {Key} will be retried in {Delay}: {Error}")]
        public static partial void Retrying(ILogger logger, string key, TimeSpan delay, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciling {Key} failed; retrying in {Delay}")]
        public static partial void Failed(ILogger logger, string key, TimeSpan delay, Exception e);
    }
}
