using System.Diagnostics;
using Bosun.Storage;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Bootstrap;

/// <summary>
/// Compacts storage history like kube-apiserver: every interval, forget the revisions older than the revision seen
/// one interval ago (or older than the last N revisions), so watches can resume from anything younger. Large
/// backlogs go in <see cref="CompactionPolicy.BatchRevisions"/> steps. With several servers on one datastore, run it
/// on one of them only (bosun server runs it under the <c>bosun-compactor</c> Lease).
/// </summary>
public sealed partial class Compactor(IKeyValueStore storage, CompactionPolicy policy, TimeProvider time, ILogger<Compactor> logger)
{
    public Compactor(IKeyValueStore storage, TimeSpan interval, TimeProvider time, ILogger<Compactor> logger)
        : this(storage, new CompactionPolicy { Interval = interval }, time, logger)
    {
    }

    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(policy.Interval, time);
        var previous = await storage.CurrentRevisionAsync(ct);
        while (await timer.WaitForNextTickAsync(ct))
        {
            try
            {
                var now = await storage.CurrentRevisionAsync(ct);
                await CompactAsync(policy.Target(previous, now, storage.CompactedRevision), ct);
                previous = now;
            }
            catch (StorageException e) when (e.Kind == StorageErrorKind.Unavailable)
            {
                // The datastore is down (etcd without quorum): try again next tick.
                Log.Failed(logger, e);
            }
        }
    }

    /// <summary>Compacts up to <paramref name="target"/> in bounded steps; 0 does nothing.</summary>
    public async Task CompactAsync(long target, CancellationToken ct)
    {
        if (target <= 0)
            return;
        var from = storage.CompactedRevision;
        var clock = Stopwatch.StartNew();
        foreach (var step in policy.Steps(from, target))
            await storage.CompactAsync(step, ct);
        Log.Compacted(logger, from, target, clock.ElapsedMilliseconds);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Compacted storage history from revision {From} up to {Revision} in {Milliseconds} ms")]
        public static partial void Compacted(ILogger logger, long from, long revision, long milliseconds);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Compaction skipped: storage unavailable")]
        public static partial void Failed(ILogger logger, Exception e);
    }
}
