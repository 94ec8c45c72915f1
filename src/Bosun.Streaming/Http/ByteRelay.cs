namespace Bosun.Streaming.Http;

/// <summary>Copies bytes both ways between two connections until either side ends, then closes both.</summary>
public static class ByteRelay
{
    public static async Task RunAsync(Stream a, Stream b, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var ab = CopyAsync(a, b, cts.Token);
        var ba = CopyAsync(b, a, cts.Token);
        await Task.WhenAny(ab, ba);
        // One side finished: the session is over (SPDY and WebSocket have no useful half-close across this relay).
        await cts.CancelAsync();
        await a.DisposeAsync();
        await b.DisposeAsync();
        try { await Task.WhenAll(ab, ba); } catch (Exception) { /* the cancelled direction */ }
    }

    private static async Task CopyAsync(Stream from, Stream to, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, ct)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, n), ct);
                await to.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
