using Bosun.Client.Processes;
using Bosun.Storage;
using Bosun.Storage.Etcd;
using Bosun.Storage.Sqlite;

namespace Bosun.Server;

/// <summary>Where <c>etcdctl snapshot restore</c> should create the new member's data.</summary>
internal sealed record EtcdRestoreTarget(string DataDir, string Name, string PeerUrl);

/// <summary>
/// Saving and restoring snapshots. SQLite: VACUUM INTO while the server runs, restored by copying into a data dir
/// that has no database yet. etcd: the Maintenance Snapshot API, restored with <c>etcdctl snapshot restore</c> into a
/// new etcd data dir (etcd cannot load a snapshot into a running cluster); start etcd on it, then the servers.
/// Revisions survive both ways, so every object keeps its resourceVersion.
/// </summary>
internal static class DatastoreSnapshot
{
    public static async Task<int> SaveAsync(Datastore datastore, string file, CancellationToken ct)
    {
        try
        {
            switch (datastore.Scheme)
            {
                case "sqlite":
                    await SqliteSnapshot.SaveAsync(datastore.Location, file, ct);
                    break;
                case "etcd":
                    await EtcdSnapshot.SaveAsync(datastore.Etcd!, file, ct);
                    break;
                default:
                    return await FailAsync("save", "a memory:// datastore has nothing to save");
            }
        }
        catch (Exception e) when (e is IOException or StorageException or Microsoft.Data.Sqlite.SqliteException)
        {
            return await FailAsync("save", e.Message);
        }
        await Console.Out.WriteLineAsync($"Snapshot of {datastore} saved to {Path.GetFullPath(file)} ({new FileInfo(file).Length} bytes)");
        return 0;
    }

    public static async Task<int> RestoreAsync(Datastore datastore, string file, EtcdRestoreTarget? etcd, CancellationToken ct)
    {
        if (!File.Exists(file))
            return await FailAsync("restore", $"{file} does not exist");
        if (SqliteSnapshot.IsSqliteFile(file))
        {
            if (datastore.Scheme != "sqlite")
                return await FailAsync("restore", "a SQLite snapshot restores into a sqlite datastore (--data-dir or --datastore-endpoint sqlite://PATH)");
            try
            {
                await SqliteSnapshot.RestoreAsync(file, datastore.Location, ct);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or Microsoft.Data.Sqlite.SqliteException)
            {
                return await FailAsync("restore", e.Message);
            }
            await Console.Out.WriteLineAsync($"Restored {file} into {datastore}; start 'bosun server' on that data dir");
            return 0;
        }
        if (etcd is null)
            return await FailAsync("restore", $"{file} is an etcd snapshot: give --etcd-data-dir (and the member's --etcd-name/--etcd-peer-url) to restore it with etcdctl");
        return await RestoreEtcdAsync(file, etcd, ct);
    }

    private static async Task<int> RestoreEtcdAsync(string file, EtcdRestoreTarget target, CancellationToken ct)
    {
        if (Directory.Exists(target.DataDir))
            return await FailAsync("restore", $"{target.DataDir} already exists: restore into a new etcd data dir");
        var run = new ProcessRun("etcdctl",
        [
            "snapshot", "restore", file, "--data-dir", target.DataDir, "--name", target.Name,
            "--initial-cluster", $"{target.Name}={target.PeerUrl}", "--initial-advertise-peer-urls", target.PeerUrl,
        ]) { Environment = new Dictionary<string, string> { ["ETCDCTL_API"] = "3" } };
        ProcessResult r;
        try
        {
            r = await ProcessRunner.RunAsync(run, ct);
        }
        catch (ProcessRunException e)
        {
            return await FailAsync("restore", e.Message);
        }
        if (!r.Succeeded)
            return await FailAsync("restore", $"etcdctl snapshot restore exited {r.ExitCode}: {r.Stderr.Trim()} {r.Stdout.Trim()}".TrimEnd());
        await Console.Out.WriteLineAsync($"Restored {file} into etcd data dir {target.DataDir} (member {target.Name}, peer {target.PeerUrl}); start etcd on it, then 'bosun server --datastore-endpoint ...'");
        return 0;
    }

    private static async Task<int> FailAsync(string verb, string message)
    {
        await Console.Error.WriteLineAsync($"bosun datastore snapshot {verb}: {message}");
        return 1;
    }
}
