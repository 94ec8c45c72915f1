using System.CommandLine;

namespace Bosun.Server;

/// <summary>
/// <c>bosun datastore snapshot save FILE</c> and <c>… restore FILE</c>: backups of the datastore a server uses
/// (same <c>--data-dir</c> / <c>--datastore-endpoint</c> flags as <c>bosun server</c>). Parsing only; <see cref="DatastoreSnapshot"/> acts.
/// </summary>
internal static class DatastoreCommand
{
    public static Command Create() => new("datastore", "Manage the datastore of a server.") { Snapshot() };

    private static Command Snapshot() => new("snapshot", "Save or restore a snapshot of the datastore.") { Save(), Restore() };

    private static Command Save()
    {
        var file = new Argument<string>("FILE") { Description = "Where to write the snapshot (must not exist)" };
        var flags = new DatastoreFlags();
        var command = new Command("save", "Save a consistent snapshot while the server runs: SQLite VACUUM INTO, or the etcd snapshot API.") { file };
        flags.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            if (!flags.TryResolve(result, out var datastore, out var problems)) return await FailAsync("save", problems);
            return await DatastoreSnapshot.SaveAsync(datastore, result.GetValue(file)!, ct);
        });
        return command;
    }

    private static Command Restore()
    {
        var file = new Argument<string>("FILE") { Description = "A snapshot written by 'bosun datastore snapshot save' (or etcdctl snapshot save)" };
        var flags = new DatastoreFlags();
        var etcdDataDir = new Option<string?>("--etcd-data-dir") { Description = "etcd snapshots: the new etcd data dir to restore into (runs etcdctl snapshot restore)" };
        var etcdName = new Option<string>("--etcd-name") { Description = "etcd snapshots: the member name the restored etcd will run with", DefaultValueFactory = _ => "default" };
        var etcdPeerUrl = new Option<string>("--etcd-peer-url") { Description = "etcd snapshots: the peer URL the restored member will advertise", DefaultValueFactory = _ => "http://localhost:2380" };
        var command = new Command("restore", "Restore a snapshot into a new data dir (SQLite) or a new etcd data dir.") { file, etcdDataDir, etcdName, etcdPeerUrl };
        flags.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            if (!flags.TryResolve(result, out var datastore, out var problems)) return await FailAsync("restore", problems);
            var etcd = result.GetValue(etcdDataDir) is { } dir ? new EtcdRestoreTarget(dir, result.GetValue(etcdName)!, result.GetValue(etcdPeerUrl)!) : null;
            return await DatastoreSnapshot.RestoreAsync(datastore, result.GetValue(file)!, etcd, ct);
        });
        return command;
    }

    private static async Task<int> FailAsync(string verb, List<string> problems)
    {
        foreach (var p in problems) await Console.Error.WriteLineAsync($"bosun datastore snapshot {verb}: {p}");
        return 2;
    }

    /// <summary>The datastore flags <c>bosun server</c> takes, resolved the same way.</summary>
    private sealed class DatastoreFlags
    {
        private readonly Option<string?> _dataDir = new("--data-dir", "-d") { Description = "The server's data dir (default /var/lib/bosun as root, else ~/.bosun)" };
        private readonly Option<string?> _endpoint = new("--datastore-endpoint") { Description = "sqlite://PATH, or etcd http(s)://HOST:PORT[,HOST:PORT...]" };
        private readonly Option<string?> _ca = new("--datastore-cafile") { Description = "PEM CA bundle for the etcd members' certificates" };
        private readonly Option<string?> _cert = new("--datastore-certfile") { Description = "PEM client certificate for etcd" };
        private readonly Option<string?> _key = new("--datastore-keyfile") { Description = "PEM client key for etcd" };

        public void AddTo(Command command)
        {
            command.Options.Add(_dataDir);
            command.Options.Add(_endpoint);
            command.Options.Add(_ca);
            command.Options.Add(_cert);
            command.Options.Add(_key);
        }

        public bool TryResolve(ParseResult result, out Datastore datastore, out List<string> problems)
        {
            var options = new ServerOptions
            {
                DataDir = result.GetValue(_dataDir),
                DatastoreEndpoint = result.GetValue(_endpoint),
                DatastoreTls = new DatastoreTls(result.GetValue(_ca), result.GetValue(_cert), result.GetValue(_key)),
                Token = "unused: snapshots copy the datastore as it is",
            };
            var ok = options.TryComplete(out var config, out problems);
            datastore = config.Datastore;
            return ok;
        }
    }
}
