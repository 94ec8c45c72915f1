using Bosun.ApiServer.Errors;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Bootstrap;

/// <summary>
/// The loop of the small controllers the API server runs itself (quota status, root CA publisher, CSR signer):
/// reconcile everything every <c>period</c>; an API error (a conflict, an object deleted meanwhile) waits for the next tick.
/// </summary>
internal static class PeriodicReconcile
{
    public static async Task RunAsync(Func<CancellationToken, Task> reconcile, TimeSpan period, TimeProvider time, ILogger logger, string what,
        CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await reconcile(ct).ConfigureAwait(false);
            }
            catch (ApiException e)
            {
                logger.LogDebug(e, "{What} will retry", what);
            }
            await Task.Delay(period, time, ct).ConfigureAwait(false);
        }
    }
}
