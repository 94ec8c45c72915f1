using System.Text;

namespace Bosun.Storage.Conformance;

/// <summary>Helpers that read a watch until a condition holds, with a deadline so a broken store fails instead of hanging.</summary>
internal static class WatchCollector
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Reads events until one reaches <paramref name="revision"/>.</summary>
    public static async Task<List<WatchEvent>> UntilRevisionAsync(IAsyncEnumerable<WatchEvent> watch, long revision)
    {
        var events = new List<WatchEvent>();
        if (revision <= 0)
            return events;
        using var timeout = new CancellationTokenSource(Deadline);
        await foreach (var e in watch.WithCancellation(timeout.Token))
        {
            events.Add(e);
            if (e.Revision >= revision)
                return events;
        }
        throw new TimeoutException($"watch ended or timed out before revision {revision}; saw {events.Count} events");
    }

    /// <summary>Reads exactly <paramref name="count"/> events.</summary>
    public static async Task<List<WatchEvent>> CountAsync(IAsyncEnumerator<WatchEvent> watch, int count)
    {
        var events = new List<WatchEvent>();
        while (events.Count < count)
        {
            if (!await watch.MoveNextAsync().AsTask().WaitAsync(Deadline))
                throw new InvalidOperationException($"watch ended after {events.Count} of {count} events");
            events.Add(watch.Current);
        }
        return events;
    }

    public static string Text(KeyValue kv) => Encoding.UTF8.GetString(kv.Value.Span);
}
