using Etcdserverpb;
using Grpc.Core;
using static Bosun.Storage.Etcd.EtcdKeys;

namespace Bosun.Storage.Etcd;

/// <summary>
/// An <see cref="IKeyValueStore"/> on an etcd v3 cluster: the etcd revision is the store revision, creates and
/// compare-and-swaps are transactions on the create and mod revisions, ranges and watches are etcd's own.
/// Several API servers may share one cluster: nothing but the connection lives in this process.
/// </summary>
public sealed class EtcdStore : IKeyValueStore
{
    private readonly EtcdConnection _connection;
    private readonly EtcdStoreOptions _options;
    private readonly CancellationTokenSource _closing = new();
    private long _compacted;
    private int _disposed;

    private EtcdStore(EtcdConnection connection, EtcdStoreOptions options)
    {
        _connection = connection;
        _options = options;
    }

    /// <summary>Connects and learns the compacted revision; throws <see cref="StorageErrorKind.Unavailable"/> when no member answers.</summary>
    public static async Task<EtcdStore> OpenAsync(EtcdStoreOptions options, CancellationToken ct = default)
    {
        var store = new EtcdStore(new EtcdConnection(options), options);
        try
        {
            await store.RefreshCompactedRevisionAsync(ct);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public long CompactedRevision => Volatile.Read(ref _compacted);

    internal EtcdConnection Connection => _connection;

    public async Task<long> CurrentRevisionAsync(CancellationToken ct)
    {
        var response = await RangeCallAsync(new Etcdserverpb.RangeRequest { Key = Key("/"), Limit = 1, CountOnly = true }, ct);
        return response.Header.Revision;
    }

    /// <summary>The etcd version of the member in use (Maintenance Status), e.g. "3.4.23"; null if the member refuses to say.</summary>
    public async Task<string?> MemberVersionAsync(CancellationToken ct)
    {
        try
        {
            var status = await _connection.CallAsync((invoker, options) =>
                new Maintenance.MaintenanceClient(invoker).StatusAsync(new StatusRequest(), options).ResponseAsync, ct);
            return status.Version;
        }
        catch (RpcException)
        {
            return null;
        }
    }

    public async Task<KeyValue?> GetAsync(string key, CancellationToken ct)
    {
        var response = await RangeCallAsync(new Etcdserverpb.RangeRequest { Key = Key(key) }, ct);
        return response.Kvs.Count == 0 ? null : ToKeyValue(response.Kvs[0]);
    }

    public async Task<RangeResult> RangeAsync(RangeRequest request, CancellationToken ct)
    {
        var range = new Etcdserverpb.RangeRequest
        {
            Key = LowerBound(request.Prefix, request.StartKey),
            RangeEnd = PrefixEnd(request.Prefix),
            Limit = request.Limit,
            Revision = request.Revision,
        };
        var response = await RangeCallAsync(range, ct);
        var items = response.Kvs.Select(ToKeyValue).ToList();
        var revision = request.Revision == 0 ? response.Header.Revision : request.Revision;
        return new RangeResult(items, revision, response.More, response.Count - items.Count);
    }

    public async Task<long> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken ct)
    {
        var etcdKey = Key(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = etcdKey, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = etcdKey, Value = Wrap(value) } });
        var response = await TxnAsync(txn, ct);
        return response.Succeeded ? response.Header.Revision : throw StorageException.Exists(key);
    }

    /// <summary>
    /// The value without a copy: it is only read while the call serializes the request, and callers hand over
    /// freshly encoded buffers they do not change during the call.
    /// </summary>
    private static Google.Protobuf.ByteString Wrap(ReadOnlyMemory<byte> value) => Google.Protobuf.UnsafeByteOperations.UnsafeWrap(value);

    public async Task<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken ct)
    {
        var txn = ExistsAt(key, expectedModRevision);
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = Key(key), Value = Wrap(value), PrevKv = true } });
        txn.Failure.Add(new RequestOp { RequestRange = new Etcdserverpb.RangeRequest { Key = Key(key) } });
        var response = await TxnAsync(txn, ct);
        if (!response.Succeeded)
            return Failed(response);
        var previous = response.Responses[0].ResponsePut.PrevKv;
        var revision = response.Header.Revision;
        return new WriteResult(true, revision, new KeyValue(key, value.ToArray(), previous.CreateRevision, revision));
    }

    public async Task<WriteResult> DeleteAsync(string key, long expectedModRevision, CancellationToken ct)
    {
        var txn = ExistsAt(key, expectedModRevision);
        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = Key(key) } });
        txn.Failure.Add(new RequestOp { RequestRange = new Etcdserverpb.RangeRequest { Key = Key(key) } });
        var response = await TxnAsync(txn, ct);
        return response.Succeeded ? new WriteResult(true, response.Header.Revision, null) : Failed(response);
    }

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken ct)
    {
        if (afterRevision < CompactedRevision)
            throw StorageException.Compacted(afterRevision, CompactedRevision);
        return new EtcdWatch(this, _options.WatchBufferSize, prefix, afterRevision).RunAsync(_closing.Token, ct);
    }

    public async Task CompactAsync(long revision, CancellationToken ct)
    {
        revision = Math.Min(revision, await CurrentRevisionAsync(ct));
        if (revision <= CompactedRevision)
            return;
        try
        {
            // Physical: return only once the old revisions are gone, so a read right after sees the new floor.
            await _connection.CallAsync((invoker, options) =>
                new KV.KVClient(invoker).CompactAsync(new CompactionRequest { Revision = revision, Physical = true }, options).ResponseAsync, ct);
            RaiseCompacted(revision);
        }
        catch (RpcException e) when (IsCompacted(e))
        {
            // Another server compacted at or past this revision already.
            await RefreshCompactedRevisionAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _closing.CancelAsync();
        _connection.Dispose();
        _closing.Dispose();
    }

    /// <summary>Records a compaction seen anywhere (our own, a watch cancelled by it, a probe); never moves back.</summary>
    internal void RaiseCompacted(long revision)
    {
        var current = Volatile.Read(ref _compacted);
        while (revision > current)
        {
            var seen = Interlocked.CompareExchange(ref _compacted, revision, current);
            if (seen == current)
                return;
            current = seen;
        }
    }

    internal static bool IsCompacted(RpcException e) =>
        e.StatusCode == StatusCode.OutOfRange && e.Status.Detail.Contains("compacted", StringComparison.Ordinal);

    internal static KeyValue ToKeyValue(Mvccpb.KeyValue kv) =>
        new(Text(kv.Key), kv.Value.ToByteArray(), kv.CreateRevision, kv.ModRevision);

    /// <summary>
    /// etcd does not report its compacted revision directly: a watch from revision 1 is refused with it when
    /// anything has been compacted, and accepted otherwise.
    /// </summary>
    private async Task RefreshCompactedRevisionAsync(CancellationToken ct)
    {
        var compacted = await EtcdCompaction.ProbeAsync(_connection, ct);
        RaiseCompacted(compacted);
    }

    private async Task<Etcdserverpb.RangeResponse> RangeCallAsync(Etcdserverpb.RangeRequest request, CancellationToken ct)
    {
        try
        {
            return await _connection.CallAsync((invoker, options) => new KV.KVClient(invoker).RangeAsync(request, options).ResponseAsync, ct);
        }
        catch (RpcException e) when (IsCompacted(e))
        {
            await RefreshCompactedRevisionAsync(ct);
            throw StorageException.Compacted(request.Revision, CompactedRevision);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.OutOfRange)
        {
            throw new StorageException(StorageErrorKind.NotFound, $"revision {request.Revision} is in the future", e);
        }
    }

    private Task<TxnResponse> TxnAsync(TxnRequest txn, CancellationToken ct) =>
        _connection.CallAsync((invoker, options) => new KV.KVClient(invoker).TxnAsync(txn, options).ResponseAsync, ct);

    /// <summary>A transaction guarded by "the key exists" and, unless 0, "its mod revision is <paramref name="expectedModRevision"/>".</summary>
    private static TxnRequest ExistsAt(string key, long expectedModRevision)
    {
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = Key(key), Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Greater, Version = 0 });
        if (expectedModRevision != 0)
            txn.Compare.Add(new Compare { Key = Key(key), Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedModRevision });
        return txn;
    }

    private static WriteResult Failed(TxnResponse response)
    {
        var kvs = response.Responses[0].ResponseRange.Kvs;
        return new WriteResult(false, response.Header.Revision, kvs.Count == 0 ? null : ToKeyValue(kvs[0]));
    }
}
