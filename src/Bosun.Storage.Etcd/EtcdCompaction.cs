using Etcdserverpb;
using Grpc.Core;

namespace Bosun.Storage.Etcd;

/// <summary>Finds etcd's compacted revision, which etcd does not report directly.</summary>
internal static class EtcdCompaction
{
    /// <summary>
    /// A read at revision r succeeds exactly when r is at or after the compacted revision, so a binary search over
    /// [1, current] finds it in about log2(current) small reads. 0 when nothing was compacted.
    /// </summary>
    public static async Task<long> ProbeAsync(EtcdConnection connection, CancellationToken ct)
    {
        var (readable, current) = await ReadableAsync(connection, 1, ct);
        if (readable)
            return 0;
        long low = 2, high = current;
        while (low < high)
        {
            var middle = low + (high - low) / 2;
            if ((await ReadableAsync(connection, middle, ct)).Readable)
                high = middle;
            else
                low = middle + 1;
        }
        return low;
    }

    private static async Task<(bool Readable, long Current)> ReadableAsync(EtcdConnection connection, long revision, CancellationToken ct)
    {
        var request = new Etcdserverpb.RangeRequest { Key = EtcdKeys.Key("/"), Limit = 1, CountOnly = true, Revision = revision };
        try
        {
            var response = await connection.CallAsync((invoker, options) => new KV.KVClient(invoker).RangeAsync(request, options).ResponseAsync, ct);
            return (true, response.Header.Revision);
        }
        catch (RpcException e) when (EtcdStore.IsCompacted(e))
        {
            var now = new Etcdserverpb.RangeRequest { Key = EtcdKeys.Key("/"), Limit = 1, CountOnly = true };
            var response = await connection.CallAsync((invoker, options) => new KV.KVClient(invoker).RangeAsync(now, options).ResponseAsync, ct);
            return (false, response.Header.Revision);
        }
    }
}
