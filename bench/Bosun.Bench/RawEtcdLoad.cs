using System.Diagnostics;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Bosun.Bench;

/// <summary>The write shapes the raw etcd rows send: each writer writes fresh keys in a closed loop.</summary>
internal enum RawEtcdWrite
{
    /// <summary>A plain Put.</summary>
    Put,

    /// <summary>A Put asking for the previous value (read inside etcd's write transaction, no read view).</summary>
    PutPrevKv,

    /// <summary>The create-if-absent transaction every create sends: compare create_revision = 0, then put.</summary>
    CreateTxn,

    /// <summary>A transaction with no compare at all and one put: what any Txn costs etcd.</summary>
    PlainTxn,
}

/// <summary>
/// Raw etcd writes from <c>writers</c> concurrent callers on one gRPC channel (300-byte values, as a small ConfigMap),
/// with the etcd process's CPU time per write when its PID is known.
/// </summary>
internal static class RawEtcdLoad
{
    /// <summary>Writes per second, and CPU per write of the etcd process (NaN without its PID) and of this process (the client).</summary>
    public readonly record struct Result(double PerSecond, double EtcdCpuMicros, double ClientCpuMicros);

    /// <summary>Writes of <paramref name="shape"/>; with <paramref name="channels"/> &gt; 1 the writers take turns over that many gRPC channels (one HTTP/2 connection each).</summary>
    public static async Task<Result> RunAsync(Uri endpoint, RawEtcdWrite shape, int writers, TimeSpan duration, string keyPrefix, int? etcdPid = null, int channels = 1)
    {
        var open = Enumerable.Range(0, channels).Select(_ => GrpcChannel.ForAddress(endpoint)).ToArray();
        try
        {
            var clients = open.Select(c => new KV.KVClient(c)).ToArray();
            var value = ByteString.CopyFrom(new byte[300]);
            var next = 0;
            return await RunAsync(key =>
            {
                var kv = clients[(int)((uint)Interlocked.Increment(ref next) % (uint)clients.Length)];
                return WriteAsync(kv, shape, ByteString.CopyFromUtf8(key), value);
            }, writers, duration, $"{keyPrefix}/{shape}/{channels}", etcdPid);
        }
        finally
        {
            foreach (var channel in open)
                channel.Dispose();
        }
    }

    /// <summary>Any write of a fresh key per call (e.g. <c>EtcdStore.CreateAsync</c>), from <paramref name="writers"/> closed loops.</summary>
    public static async Task<Result> RunAsync(Func<string, Task> write, int writers, TimeSpan duration, string keyPrefix, int? etcdPid = null)
    {
        var self = Environment.ProcessId;
        var etcdBefore = etcdPid is { } p ? ProcessFootprint.CpuSeconds(p) : 0;
        var selfBefore = ProcessFootprint.CpuSeconds(self);
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        var counts = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var n = 0;
            while (Stopwatch.GetTimestamp() < end)
                await write($"{keyPrefix}/{w}/{n++}");
            return n;
        })));
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var total = counts.Sum();
        var etcdCpu = etcdPid is { } pid ? (ProcessFootprint.CpuSeconds(pid) - etcdBefore) * 1e6 / total : double.NaN;
        return new Result(total / seconds, etcdCpu, (ProcessFootprint.CpuSeconds(self) - selfBefore) * 1e6 / total);
    }

    private static async Task WriteAsync(KV.KVClient kv, RawEtcdWrite shape, ByteString key, ByteString value)
    {
        var put = new PutRequest { Key = key, Value = value, PrevKv = shape == RawEtcdWrite.PutPrevKv };
        if (shape is RawEtcdWrite.Put or RawEtcdWrite.PutPrevKv)
        {
            await kv.PutAsync(put);
            return;
        }
        var txn = new TxnRequest();
        if (shape == RawEtcdWrite.CreateTxn)
            txn.Compare.Add(new Compare { Key = key, Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = put });
        await kv.TxnAsync(txn);
    }
}
