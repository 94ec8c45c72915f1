using Etcdserverpb;
using Grpc.Core;

namespace Bosun.Storage.Etcd;

/// <summary>
/// Saves an etcd snapshot through the Maintenance Snapshot API: the member streams its whole backend database,
/// followed by its SHA-256, which <c>etcdctl snapshot restore</c> checks. The file is the same as
/// <c>etcdctl snapshot save</c> writes.
/// </summary>
public static class EtcdSnapshot
{
    /// <summary>Streams a snapshot from the first member that answers into <paramref name="file"/> (written whole or not at all).</summary>
    public static async Task SaveAsync(EtcdStoreOptions options, string file, CancellationToken ct)
    {
        if (File.Exists(file))
            throw new IOException($"{file} already exists");
        using var connection = new EtcdConnection(options);
        var temp = file + ".part";
        RpcException? last = null;
        for (var attempt = 0; attempt < options.Endpoints.Count; attempt++)
        {
            var (invoker, index) = connection.Current();
            try
            {
                await StreamToFileAsync(invoker, temp, ct);
                File.Move(temp, file);
                return;
            }
            catch (RpcException e) when (EtcdConnection.IsRetryable(e))
            {
                last = e;
                connection.MoveOn(index);
            }
        }
        File.Delete(temp);
        throw new StorageException(StorageErrorKind.Unavailable, $"no etcd member could send a snapshot: {last?.Status.Detail}", last);
    }

    private static async Task StreamToFileAsync(CallInvoker invoker, string path, CancellationToken ct)
    {
        await using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        using var call = new Maintenance.MaintenanceClient(invoker).Snapshot(new SnapshotRequest(), cancellationToken: ct);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(ct))
            await output.WriteAsync(chunk.Blob.Memory, ct);
        await output.FlushAsync(ct);
        output.Flush(flushToDisk: true);
    }
}
