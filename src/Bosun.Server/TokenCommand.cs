using System.CommandLine;
using Bosun.ApiServer.Security.Bootstrap;
using Bosun.Client;
using k8s.Models;

namespace Bosun.Server;

/// <summary>
/// <c>bosun token create</c>: a bootstrap token (Secret <c>kube-system/bootstrap-token-&lt;id&gt;</c>, as kubeadm makes)
/// through the admin kubeconfig; prints the token and the join command.
/// </summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir", "-d") { Description = "The server's data dir (default /var/lib/bosun as root, else ~/.bosun)" };
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "Admin kubeconfig (default <data-dir>/admin.kubeconfig)" };
        var ttl = new Option<TimeSpan>("--ttl") { Description = "How long the token stays valid (0 = forever)", DefaultValueFactory = _ => TimeSpan.FromHours(24) };
        var create = new Command("create", "Create a bootstrap token for joining nodes and print the join command.") { dataDir, kubeconfig, ttl };
        create.SetAction(async (result, ct) =>
        {
            var dir = Path.GetFullPath(result.GetValue(dataDir) ?? ServerOptions.DefaultDataDirectory());
            var config = result.GetValue(kubeconfig) ?? Path.Combine(dir, "admin.kubeconfig");
            if (!File.Exists(config))
            {
                await Console.Error.WriteLineAsync($"bosun token create: no admin kubeconfig at {config}; pass --data-dir or --kubeconfig");
                return 2;
            }
            var token = BootstrapToken.Generate();
            var lifetime = result.GetValue(ttl);
            using var api = ApiClient.FromKubeconfig(config, "bosun-token");
            await api.CreateAsync(BootstrapToken.Namespace, BootstrapToken.Secret(token, lifetime > TimeSpan.Zero ? lifetime : null, DateTimeOffset.UtcNow), ct);
            var cluster = Kubeconfig.Load(config);
            Console.WriteLine(token);
            if (cluster.CertificateAuthorityPem is not null) Console.WriteLine(JoinCommand.Format(cluster.Server, token, cluster.CertificateAuthorityPem));
            return 0;
        });
        return new Command("token", "Manage bootstrap tokens.") { create };
    }

}
