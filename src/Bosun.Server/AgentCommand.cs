using System.CommandLine;
using System.Net;
using Bosun.Agent;
using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// <c>bosun agent --server URL --token TOKEN</c>: joins a cluster as a node (k3s' <c>k3s agent</c>), running pods on
/// its own containerd or on <c>--container-runtime-endpoint</c>. Stops on SIGTERM/SIGINT, leaving the pods running.
/// </summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server", "-s") { Description = "API server URL, e.g. https://10.0.0.1:6443, or several separated by commas (required); the agent also learns the others from the kubernetes Endpoints" };
        var token = new Option<string>("--token", "-t") { Description = "Bearer token, or K10<ca-sha256>::<token> (required)" };
        var cleanup = new Option<bool>("--cleanup") { Description = "Remove the service proxy's iptables rules from this host and exit (kube-proxy --cleanup)" };
        var serverCa = new Option<string?>("--server-ca") { Description = "Cluster CA certificate (PEM) to trust the server with (default <data-dir>/server/tls/ca.crt when present)" };
        var dataDir = new Option<string?>("--data-dir", "-d") { Description = "Folder for all state (default /var/lib/bosun as root, else ~/.bosun)" };
        var nodeName = new Option<string?>("--node-name") { Description = "Node name (default: the host name)" };
        var nodeIp = new Option<string?>("--node-ip") { Description = "The node's InternalIP (default: the address of the default-route interface)" };
        var runtime = new Option<string?>("--container-runtime-endpoint") { Description = "Use this CRI socket instead of starting containerd" };
        var noInstall = new Option<bool>("--no-install") { Description = "Never install missing host packages; print the apt-get line and exit" };
        var clusterDns = new Option<string?>("--cluster-dns") { Description = "Cluster DNS Service IP for ClusterFirst pods", DefaultValueFactory = _ => "10.96.0.10" };
        var clusterDomain = new Option<string>("--cluster-domain") { Description = "Cluster DNS domain", DefaultValueFactory = _ => "cluster.local" };
        var clusterCidr = new Option<string>("--cluster-cidr") { Description = "Pod IP range of the whole cluster (the proxy masquerades traffic from outside it)", DefaultValueFactory = _ => "10.244.0.0/16" };
        var disableProxy = new Option<bool>("--disable-kube-proxy") { Description = "Do not run the iptables service proxy" };
        var disableDns = new Option<bool>("--disable-cluster-dns") { Description = "Do not run the node-local cluster DNS" };
        var cgroupRoot = new Option<string>("--cgroup-root") { Description = "Parent cgroup of the pods", DefaultValueFactory = _ => "/bosun" };
        var resolvConf = new Option<string>("--resolv-conf") { Description = "Resolver file for dnsPolicy Default pods and the cluster DNS's upstreams", DefaultValueFactory = _ => "/etc/resolv.conf" };
        var backend = new Option<string?>("--flannel-backend") { Description = "Pod network across nodes: host-gw (routes + masquerade; default with the agent's own containerd) or none (default with --container-runtime-endpoint)" };
        var ignorePreflight = ServerPreflight.IgnoreOption();
        var port = new Option<int>("--kubelet-port") { Description = "Port of the agent's streaming server, published on the Node", DefaultValueFactory = _ => 10250 };

        var command = new Command("agent", "Run a node agent that joins a cluster and runs its pods on containerd.")
        {
            server, token, serverCa, dataDir, nodeName, nodeIp, runtime, noInstall, clusterDns, clusterDomain, port, cgroupRoot, clusterCidr, disableProxy, disableDns, resolvConf, backend, cleanup, ignorePreflight,
        };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(cleanup))
            {
                await Bosun.Proxy.ServiceProxy.CleanupAsync(ct: ct);
                if (IPNetwork.TryParse(result.GetValue(clusterCidr), out var pods))
                    await Agent.Network.PodNetwork.CleanupAsync(new Agent.Network.HostNetworkCommands(), pods, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
                return 0;
            }
            var dir = Path.GetFullPath(result.GetValue(dataDir) ?? DefaultDataDir());
            var problems = new List<string>();
            var urls = ParseServers(result.GetValue(server), problems);
            var url = urls.FirstOrDefault();
            if (string.IsNullOrEmpty(result.GetValue(token))) problems.Add("--token is required");
            if (result.GetValue(nodeIp) is { } ip && !IPAddress.TryParse(ip, out _)) problems.Add($"--node-ip: \"{ip}\" is not an IP address");
            if (result.GetValue(clusterDns) is { } dns && !IPAddress.TryParse(dns, out _)) problems.Add($"--cluster-dns: \"{dns}\" is not an IP address");
            if (result.GetValue(cgroupRoot) is not { } cg || !cg.StartsWith('/') || cg.Contains("..")) problems.Add($"--cgroup-root must be an absolute cgroup path, got \"{result.GetValue(cgroupRoot)}\"");
            if (!IPNetwork.TryParse(result.GetValue(clusterCidr), out _)) problems.Add($"--cluster-cidr: \"{result.GetValue(clusterCidr)}\" is not a CIDR");
            if (result.GetValue(resolvConf) is { } rc && rc != "/etc/resolv.conf" && !File.Exists(rc)) problems.Add($"--resolv-conf: {rc} does not exist");
            var podNetwork = Agent.Network.FlannelBackend.Resolve(result.GetValue(backend), result.GetValue(runtime), out var backendError);
            if (backendError is not null) problems.Add(backendError);
            if (result.GetValue(port) is < 1 or > 65535) problems.Add($"--kubelet-port must be 1-65535, got {result.GetValue(port)}");
            // Before joining: a host that cannot run pods should not first take a node certificate.
            if (problems.Count == 0 && !ServerPreflight.Run(ServerPreflight.ForAgent(dir, result.GetValue(runtime), result.GetValue(noInstall), result.GetValue(port),
                    result.GetValue(disableDns) ? null : result.GetValue(nodeIp), !result.GetValue(disableProxy), podNetwork == true), result.GetValue(ignorePreflight)))
                return 1;
            ApiClient? api = null;
            string? caPem = null, agentCaPem = null;
            NodeCertificateManager? certificates = null;
            var name = (result.GetValue(nodeName) ?? System.Net.Dns.GetHostName()).ToLowerInvariant();
            try
            {
                var (hash, bearer) = AgentJoin.ParseToken(result.GetValue(token) ?? "");
                var caFile = result.GetValue(serverCa) ?? DefaultCa(dir);
                if (problems.Count == 0 && hash is not null && AgentJoin.IsBootstrapToken(bearer))
                {
                    // The join command `bosun server` prints: TLS bootstrap to the node's own certificate (CA pinned by the hash).
                    var kubeconfig = await NodeBootstrap.JoinAsync(url!, bearer, hash, name, dir, ct);
                    caPem = await File.ReadAllTextAsync(Path.Combine(Path.GetDirectoryName(kubeconfig)!, "ca.crt"), ct);
                    // The node's certificate is renewed before expiry and picked up by new connections without a restart.
                    certificates = NodeCertificateManager.Load(dir, url!, TimeProvider.System);
                    api = certificates.CreateClient("bosun-agent", urls.Skip(1));
                }
                else if (problems.Count == 0)
                {
                    var ca = AgentJoin.LoadCa(caFile, hash);
                    caPem = ca.ExportCertificatePem();
                    api = AgentJoin.Client(urls, bearer, ca);
                }
                if (caPem is not null) agentCaPem = await AgentJoin.FetchAgentCaAsync(url!, caPem, ct);
            }
            catch (Exception e) when (e is FormatException or ArgumentException or IOException or HttpRequestException
                or System.Security.Cryptography.CryptographicException or NodeBootstrapException or ApiException)
            {
                problems.Add(e.Message);
            }
            if (problems.Count > 0)
            {
                foreach (var p in problems) await Console.Error.WriteLineAsync($"bosun agent: {p}");
                return 2;
            }
            var options = new AgentOptions
            {
                NodeName = name,
                DataDir = dir,
                RuntimeEndpoint = result.GetValue(runtime) ?? "",
                NodeIp = result.GetValue(nodeIp),
                ClusterDns = result.GetValue(clusterDns),
                ClusterDomain = result.GetValue(clusterDomain)!,
                StreamingPort = result.GetValue(port),
                CgroupRoot = result.GetValue(cgroupRoot)!,
                ClusterCaPem = caPem,
                StreamingClientCaPem = agentCaPem,
                ClusterCidr = result.GetValue(clusterCidr),
                RunServiceProxy = !result.GetValue(disableProxy),
                RunPodNetwork = podNetwork == true,
                RunClusterDns = !result.GetValue(disableDns),
                ResolvConf = Path.GetFullPath(result.GetValue(resolvConf)!),
            };
            using (api)
            {
                using var stopRenewal = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var renewal = certificates?.RunAsync(api!, TimeSpan.FromMinutes(10),
                    e => Console.Error.WriteLine($"bosun agent: renewing the node certificate failed, retrying later: {e.Message}"), stopRenewal.Token);
                var exit = await RunAsync(options, result.GetValue(noInstall), api!, ct, followServers: true);
                await stopRenewal.CancelAsync();
                if (renewal is not null) await renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                return exit;
            }
        });
        return command;
    }

    /// <summary>Runs until SIGTERM/SIGINT; non-zero when the agent cannot start (missing packages, runtime down).</summary>
    /// <param name="followServers">Keep the client's server list in step with the <c>kubernetes</c> Endpoints, to move to a live server.</param>
    public static async Task<int> RunAsync(AgentOptions options, bool noInstall, ApiClient api, CancellationToken ct, bool followServers = false)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff "; }));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
        var follower = followServers && api.Failover is { } failover
            ? FollowServers(api, failover, loggers.CreateLogger("bosun.agent.servers"), stop.Token)
            : Task.CompletedTask;
        AgentRunner runner;
        try
        {
            runner = await AgentRunner.StartAsync(options, noInstall, api, loggers, stop.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or Agent.Runtime.HostDependencyException or Agent.Runtime.ContainerdException or ApiException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"bosun agent: {e.Message}");
            return 1;
        }
        await using (runner)
        {
            try { await Task.Delay(Timeout.Infinite, stop.Token); }
            catch (OperationCanceledException) { }
        }
        await follower;
        return 0;
    }

    /// <summary><c>--server</c>: one or more https URLs separated by commas.</summary>
    internal static List<Uri> ParseServers(string? value, List<string> problems)
    {
        var urls = new List<Uri>();
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add("--server is required");
            return urls;
        }
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Uri.TryCreate(part, UriKind.Absolute, out var url) && url.Scheme == "https") urls.Add(url);
            else problems.Add($"--server: \"{part}\" is not an https:// URL");
        }
        if (urls.Count == 0 && problems.Count == 0) problems.Add("--server is required");
        return urls;
    }

    /// <summary>Logs moves between servers and keeps the list current; ends with the agent.</summary>
    private static Task FollowServers(ApiClient api, ServerFailover failover, ILogger log, CancellationToken ct)
    {
        failover.Moved += (from, to) => log.LogWarning("API server {From} unreachable, moving to {To}", from, to);
        return Task.Run(() => ApiServerEndpoints.FollowAsync(api, failover, log, TimeProvider.System, ct), CancellationToken.None);
    }

    private static string? DefaultCa(string dataDir)
    {
        var path = Path.Combine(dataDir, "server", "tls", "ca.crt");
        return File.Exists(path) ? path : null;
    }

    private static string DefaultDataDir() => Environment.UserName == "root"
        ? "/var/lib/bosun"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bosun");
}
