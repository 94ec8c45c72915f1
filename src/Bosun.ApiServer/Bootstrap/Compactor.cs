using Bosun.Storage;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Bootstrap;

/// <summary>
/// Compacts storage history like kube-apiserver: every interval, forget the revisions older than the revision
/// seen one interval ago, so watches can resume from anything younger than one interval.
/// </summary>
internal sealed partial class Compactor(IKeyValueStore storage, TimeSpan interval, TimeProvider time, ILogger<Compactor> logger)
{
    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        var previous = await storage.CurrentRevisionAsync(ct);
        while (await timer.WaitForNextTickAsync(ct))
        {
            var now = await storage.CurrentRevisionAsync(ct);
            if (previous > storage.CompactedRevision)
            {
                await storage.CompactAsync(previous, ct);
                Log.Compacted(logger, previous);
            }
            previous = now;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Compacted storage history up to revision {Revision}")]
        public static partial void Compacted(ILogger logger, long revision);
    }
}
