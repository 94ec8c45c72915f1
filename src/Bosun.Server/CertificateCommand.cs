using System.CommandLine;
using Bosun.ApiServer.Security;

namespace Bosun.Server;

/// <summary>
/// <c>bosun certificate check|rotate|etcd</c> (k3s's <c>certificate</c> commands): all work on the files of a data dir,
/// so they run with the server up or down. A running server picks up rotated files within seconds.
/// </summary>
internal static class CertificateCommand
{
    public static Command Create() => new("certificate", "Inspect and renew the cluster's certificates.") { Check(), Rotate(), Etcd() };

    private static Option<string> DataDirOption() =>
        new("--data-dir", "-d") { Description = "The server's data dir (default /var/lib/bosun as root, else ~/.bosun)" };

    private static string DataDir(ParseResult result, Option<string> option) =>
        Path.GetFullPath(result.GetValue(option) ?? ServerOptions.DefaultDataDirectory());

    private static Command Check()
    {
        var dataDir = DataDirOption();
        var command = new Command("check", "List every certificate with its expiry; exit 1 when one is expired.") { dataDir };
        command.SetAction(async (result, _) =>
        {
            var dir = DataDir(result, dataDir);
            var rows = CertificateInventory.Scan(dir, DateTimeOffset.UtcNow);
            if (rows.Count == 0)
            {
                await Console.Error.WriteLineAsync($"bosun certificate check: no certificates under {dir}; pass --data-dir");
                return 2;
            }
            Console.Write(CertificateInventory.FormatTable(rows));
            return rows.Any(r => r.State is "EXPIRED" or "UNREADABLE") ? 1 : 0;
        });
        return command;
    }

    private static Command Rotate()
    {
        var dataDir = DataDirOption();
        var service = new Option<string?>("--service", "-s")
        {
            Description = "Only this one: " + string.Join(", ", CertificateRotator.Services.Keys) + " (default: all)",
        };
        var command = new Command("rotate", "Reissue leaf certificates from the cluster's CAs now; a running server reloads them within seconds.") { dataDir, service };
        command.SetAction(async (result, _) =>
        {
            try
            {
                foreach (var file in CertificateRotator.Rotate(DataDir(result, dataDir), result.GetValue(service), TimeProvider.System))
                    Console.WriteLine($"renewed {file}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"bosun certificate rotate: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static Command Etcd()
    {
        var dataDir = DataDirOption();
        var output = new Option<string>("--output", "-o") { Description = "Directory for the member's files", Required = true };
        var name = new Option<string>("--name") { Description = "The etcd member name (certificate CN)", DefaultValueFactory = _ => "etcd" };
        var hosts = new Option<string[]>("--host") { Description = "A DNS name or IP address the member is reached at (repeatable)", AllowMultipleArgumentsPerToken = true };
        var command = new Command("etcd", "Issue an etcd member's server, peer and client certificates from the cluster's etcd CAs.") { dataDir, output, name, hosts };
        command.SetAction(async (result, _) =>
        {
            var dir = DataDir(result, dataDir);
            var outDir = Path.GetFullPath(result.GetValue(output)!);
            try
            {
                EtcdCertificates.Write(Path.Combine(dir, "server", "tls"), outDir, result.GetValue(name)!, result.GetValue(hosts) ?? [], TimeProvider.System);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"bosun certificate etcd: {e.Message}");
                return 2;
            }
            Console.WriteLine($"wrote {outDir}: server-ca.crt server.crt server.key peer-ca.crt peer.crt peer.key client.crt client.key");
            Console.WriteLine($"etcd flags:  --cert-file={outDir}/server.crt --key-file={outDir}/server.key --trusted-ca-file={outDir}/server-ca.crt --client-cert-auth "
                + $"--peer-cert-file={outDir}/peer.crt --peer-key-file={outDir}/peer.key --peer-trusted-ca-file={outDir}/peer-ca.crt --peer-client-cert-auth");
            Console.WriteLine($"bosun flags: --datastore-cafile={outDir}/server-ca.crt --datastore-certfile={outDir}/client.crt --datastore-keyfile={outDir}/client.key");
            return 0;
        });
        return command;
    }
}
