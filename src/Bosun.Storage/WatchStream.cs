using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Bosun.Storage;

/// <summary>
/// The watch algorithm shared by all backends: subscribe to live events first, replay history up to the
/// revision the subscription started at, then continue live, dropping anything already replayed.
/// That order leaves no gap and no duplicate.
/// </summary>
internal static class WatchStream
{
    private const int HistoryPageSize = 1000;

    public static async IAsyncEnumerable<WatchEvent> RunAsync(
        WatchBroadcaster broadcaster, IWatchHistory history, string prefix, long afterRevision,
        [EnumeratorCancellation] CancellationToken ct)
    {
        ThrowIfCompacted(history, afterRevision);
        using var subscription = broadcaster.Subscribe(prefix);
        var last = afterRevision;
        while (last < subscription.StartRevision)
        {
            var page = await ReadPageAsync(history, prefix, last, subscription.StartRevision, ct);
            if (page is null)
                yield break;
            foreach (var e in page)
            {
                yield return e;
                last = e.Revision;
            }
            if (page.Count < HistoryPageSize)
                break;
        }
        last = Math.Max(last, subscription.StartRevision);
        while (await WaitAsync(subscription.Reader, ct))
        {
            while (subscription.Reader.TryRead(out var e))
            {
                if (e.Revision <= last)
                    continue;
                last = e.Revision;
                yield return e;
            }
        }
    }

    private static void ThrowIfCompacted(IWatchHistory history, long afterRevision)
    {
        var compacted = history.CompactedRevision;
        if (afterRevision < compacted)
            throw StorageException.Compacted(afterRevision, compacted);
    }

    /// <summary>A history page, or null when the caller cancelled (a cancelled watch ends quietly).</summary>
    private static async ValueTask<IReadOnlyList<WatchEvent>?> ReadPageAsync(
        IWatchHistory history, string prefix, long after, long upTo, CancellationToken ct)
    {
        try
        {
            return await history.ReadHistoryAsync(prefix, after, upTo, HistoryPageSize, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>False when the watch ends normally or is cancelled; rethrows the reason a subscription was failed.</summary>
    private static async ValueTask<bool> WaitAsync(ChannelReader<WatchEvent> reader, CancellationToken ct)
    {
        try
        {
            return await reader.WaitToReadAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
        catch (ChannelClosedException closed) when (closed.InnerException is StorageException inner)
        {
            throw inner;
        }
    }
}
