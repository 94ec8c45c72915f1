using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Etcdserverpb;
using Grpc.Core;
using static Bosun.Storage.Etcd.EtcdKeys;

namespace Bosun.Storage.Etcd;

/// <summary>
/// One storage watch on etcd's bidirectional watch stream. A pump reads etcd's responses into a bounded buffer;
/// when the stream breaks (member down, leader lost) it reopens on the next member from the last revision + 1,
/// so the consumer sees every revision once. A full buffer ends the watch as too slow, as in the other backends.
/// </summary>
internal sealed class EtcdWatch(EtcdStore store, int bufferSize, string prefix, long afterRevision)
{
    private static readonly TimeSpan ReconnectBackoff = TimeSpan.FromMilliseconds(200);

    /// <summary>Makes the serving member close the stream when it loses its leader, instead of going quiet.</summary>
    private static readonly Metadata RequireLeader = new() { { "hasleader", "true" } };

    /// <summary>The revision of the last event delivered: where a broken stream resumes from (+ 1). Only the pump touches it.</summary>
    private long _last = afterRevision;

    public async IAsyncEnumerable<WatchEvent> RunAsync(CancellationToken closing, [EnumeratorCancellation] CancellationToken ct)
    {
        var compacted = store.CompactedRevision;
        if (_last < compacted)
            throw StorageException.Compacted(_last, compacted);
        var channel = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(bufferSize)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(closing, ct);
        var pump = PumpAsync(channel.Writer, closing, stop.Token);
        try
        {
            while (await WaitAsync(channel.Reader, ct))
            {
                while (channel.Reader.TryRead(out var e))
                    yield return e;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

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

    /// <summary>Never throws: ends by completing the buffer, with the reason when it was not the consumer's cancellation.</summary>
    private async Task PumpAsync(ChannelWriter<WatchEvent> writer, CancellationToken closing, CancellationToken stop)
    {
        var failures = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var (invoker, index) = store.Connection.Current();
                try
                {
                    await StreamAsync(invoker, writer, () => failures = 0, stop);
                }
                catch (RpcException e) when (!stop.IsCancellationRequested && (EtcdConnection.IsRetryable(e) || e.StatusCode == StatusCode.Cancelled))
                {
                    // Stream broken by the member: resume elsewhere from the last revision delivered.
                }
                store.Connection.MoveOn(index);
                failures++;
                if (failures % store.Connection.Endpoints.Count == 0)
                    await Task.Delay(ReconnectBackoff, stop);
            }
            writer.TryComplete(closing.IsCancellationRequested ? Closed() : null);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            writer.TryComplete(closing.IsCancellationRequested ? Closed() : null);
        }
        catch (Exception e)
        {
            writer.TryComplete(e as StorageException ?? new StorageException(StorageErrorKind.Unavailable, $"etcd watch failed: {e.Message}", e));
        }
    }

    /// <summary>Reads one stream until it ends or breaks, advancing <see cref="_last"/> with every event delivered.</summary>
    private async Task StreamAsync(CallInvoker invoker, ChannelWriter<WatchEvent> writer, Action healthy, CancellationToken stop)
    {
        using var call = new Watch.WatchClient(invoker).Watch(RequireLeader, cancellationToken: stop);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest
            {
                Key = LowerBound(prefix, null),
                RangeEnd = PrefixEnd(prefix),
                StartRevision = _last + 1,
                PrevKv = true,
                ProgressNotify = true,
            },
        }, stop);
        await foreach (var response in call.ResponseStream.ReadAllAsync(stop))
        {
            healthy();
            if (response.Canceled)
                throw Cancelled(response, _last);
            if (IsProgressNotification(response))
            {
                // Everything up to this revision has been sent: a resume may start after it (less to replay, less
                // chance of landing on a compacted revision after a long quiet spell).
                _last = Math.Max(_last, response.Header.Revision);
                continue;
            }
            foreach (var ev in response.Events)
            {
                var e = ToWatchEvent(ev);
                if (e.Revision <= _last)
                    continue;
                if (!writer.TryWrite(e))
                    throw StorageException.TooSlow(prefix);
                _last = e.Revision;
            }
        }
    }

    private static bool IsProgressNotification(WatchResponse response) =>
        response.Events.Count == 0 && !response.Created && response.CompactRevision == 0 && response.Header is { Revision: > 0 };

    private Exception Cancelled(WatchResponse response, long last)
    {
        if (response.CompactRevision <= 0)
            return new StorageException(StorageErrorKind.Unavailable, $"etcd cancelled the watch: {response.CancelReason}");
        store.RaiseCompacted(response.CompactRevision);
        return StorageException.Compacted(last, response.CompactRevision);
    }

    private static StorageException Closed() => new(StorageErrorKind.Unavailable, "the store was closed");

    /// <summary>A delete carries the last value and create revision (from prev_kv) with the deletion's revision.</summary>
    internal static WatchEvent ToWatchEvent(Mvccpb.Event ev)
    {
        var previous = ev.PrevKv is null ? null : EtcdStore.ToKeyValue(ev.PrevKv);
        if (ev.Type == Mvccpb.Event.Types.EventType.Delete)
        {
            var key = Text(ev.Kv.Key);
            var kv = new KeyValue(key, previous?.Value ?? ReadOnlyMemory<byte>.Empty, previous?.CreateRevision ?? 0, ev.Kv.ModRevision);
            return new WatchEvent(WatchEventType.Delete, kv, previous);
        }
        // Version 1 is the first write of a key's life: a create, whatever prev_kv holds.
        return new WatchEvent(WatchEventType.Put, EtcdStore.ToKeyValue(ev.Kv), ev.Kv.Version == 1 ? null : previous);
    }
}
