using System.Net;
using System.Net.Sockets;

namespace Bosun.Server;

/// <summary>The server flags as the user wrote them.</summary>
internal sealed class ServerOptions
{
    public string? DataDir { get; init; }
    /// <value>6443 by default.</value>
    public int HttpsListenPort { get; init; } = 6443;
    /// <value>0.0.0.0 by default.</value>
    public string BindAddress { get; init; } = "0.0.0.0";
    public string? WriteKubeconfig { get; init; }
    public string? DatastoreEndpoint { get; init; }
    public DatastoreTls DatastoreTls { get; init; } = new();
    /// <summary>Shared secret of the servers of one cluster; encrypts the CA material they share through the datastore.</summary>
    public string? Token { get; init; }
    /// <value>15 by default (the Lease duration of the controller manager, scheduler and compactor).</value>
    public int LeaderElectLeaseDurationSeconds { get; init; } = 15;
    /// <value>300 by default (kube-apiserver's --etcd-compaction-interval).</value>
    public int CompactionIntervalSeconds { get; init; } = 300;
    /// <value>0 by default: keep one interval of history instead of a revision count.</value>
    public long CompactionRetainRevisions { get; init; }
    public bool DisableAgent { get; init; }
    public bool DisableControllerManager { get; init; }
    public bool DisableScheduler { get; init; }
    /// <value>40 by default (kube-controller-manager's --node-monitor-grace-period).</value>
    public int NodeMonitorGracePeriodSeconds { get; init; } = 40;
    /// <value>10.96.0.0/12 by default.</value>
    public string ServiceCidr { get; init; } = "10.96.0.0/12";
    /// <value>10.244.0.0/16 by default.</value>
    public string ClusterCidr { get; init; } = "10.244.0.0/16";
    public string? ClusterDns { get; init; }
    /// <value>cluster.local by default.</value>
    public string ClusterDomain { get; init; } = "cluster.local";
    /// <value>text by default.</value>
    public string LogFormat { get; init; } = "text";
    public string? NodeName { get; init; }
    public string? NodeIp { get; init; }
    public string? ContainerRuntimeEndpoint { get; init; }
    public bool DisableKubeProxy { get; init; }
    /// <summary><c>--flannel-backend</c>: host-gw, none, or null (host-gw unless <see cref="ContainerRuntimeEndpoint"/> is set).</summary>
    public string? FlannelBackend { get; init; }
    public bool DisableClusterDns { get; init; }
    public int KubeletPort { get; init; } = 10250;
    public bool NoInstall { get; init; }
    public string CgroupRoot { get; init; } = "/bosun";
    /// <value>/etc/resolv.conf by default.</value>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";
    public bool SecretsEncryption { get; init; }

    /// <summary>Checks every value and resolves the defaults that depend on others; reports all problems at once.</summary>
    public bool TryComplete(out ServerConfig config, out List<string> problems)
    {
        problems = [];
        var dataDir = Path.GetFullPath(DataDir ?? DefaultDataDir());
        if (HttpsListenPort is < 0 or > 65535) problems.Add($"--https-listen-port must be 0-65535, got {HttpsListenPort}");
        if (!IPAddress.TryParse(BindAddress, out var bind)) problems.Add($"--bind-address: \"{BindAddress}\" is not an IP address");
        var serviceCidr = Cidr("--service-cidr", ServiceCidr, problems);
        var clusterCidr = Cidr("--cluster-cidr", ClusterCidr, problems);
        IPAddress? dns = null;
        if (ClusterDns is not null && !IPAddress.TryParse(ClusterDns, out dns)) problems.Add($"--cluster-dns: \"{ClusterDns}\" is not an IP address");
        if (dns is null && serviceCidr is { } sc) dns = Offset(sc.BaseAddress, 10);
        if (dns is not null && serviceCidr is { } range && !range.Contains(dns)) problems.Add($"--cluster-dns {dns} is outside --service-cidr {range}");
        if (!System.Text.RegularExpressions.Regex.IsMatch(ClusterDomain, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"))
            problems.Add($"--cluster-domain: \"{ClusterDomain}\" is not a DNS domain");
        if (NodeMonitorGracePeriodSeconds < 1) problems.Add($"--node-monitor-grace-period must be at least 1 second, got {NodeMonitorGracePeriodSeconds}");
        if (KubeletPort is < 1 or > 65535) problems.Add($"--kubelet-port must be between 1 and 65535, got {KubeletPort}");
        if (LogFormat is not ("text" or "json")) problems.Add($"--log-format must be text or json, got \"{LogFormat}\"");
        if (!CgroupRoot.StartsWith('/') || CgroupRoot.Contains("..")) problems.Add($"--cgroup-root must be an absolute cgroup path, got \"{CgroupRoot}\"");
        if (ResolvConf != "/etc/resolv.conf" && !File.Exists(ResolvConf)) problems.Add($"--resolv-conf: {ResolvConf} does not exist");
        if (NodeIp is not null && !IPAddress.TryParse(NodeIp, out _)) problems.Add($"--node-ip: \"{NodeIp}\" is not an IP address");
        var podNetwork = Agent.Network.FlannelBackend.Resolve(FlannelBackend, ContainerRuntimeEndpoint, out var backendError);
        if (backendError is not null) problems.Add(backendError);
        var datastore = Datastore.TryParse(DatastoreEndpoint, dataDir, DatastoreTls, problems);
        if (datastore?.Scheme == "etcd" && string.IsNullOrEmpty(Token))
            problems.Add("--token is required with an etcd datastore: the servers of the cluster share their CA through it, encrypted with the token");
        if (CompactionIntervalSeconds < 1) problems.Add($"--compaction-interval must be at least 1 second, got {CompactionIntervalSeconds}");
        if (CompactionRetainRevisions < 0) problems.Add($"--compaction-retain-revisions must not be negative, got {CompactionRetainRevisions}");
        if (LeaderElectLeaseDurationSeconds < 2) problems.Add($"--leader-elect-lease-duration must be at least 2 seconds, got {LeaderElectLeaseDurationSeconds}");

        config = new ServerConfig(dataDir, bind ?? IPAddress.Any, HttpsListenPort,
            Path.GetFullPath(WriteKubeconfig ?? Path.Combine(dataDir, "admin.kubeconfig")), datastore!,
            DisableAgent, DisableControllerManager, DisableScheduler, TimeSpan.FromSeconds(NodeMonitorGracePeriodSeconds), serviceCidr ?? default, clusterCidr ?? default, dns ?? IPAddress.None, ClusterDomain, LogFormat == "json")
        {
            NodeName = (NodeName ?? System.Net.Dns.GetHostName()).ToLowerInvariant(),
            NodeIp = NodeIp,
            ContainerRuntimeEndpoint = ContainerRuntimeEndpoint,
            NoInstall = NoInstall,
            KubeletPort = KubeletPort,
            DisableKubeProxy = DisableKubeProxy,
            RunPodNetwork = podNetwork == true,
            DisableClusterDns = DisableClusterDns,
            Token = string.IsNullOrEmpty(Token) ? null : Token,
            LeaseDuration = TimeSpan.FromSeconds(LeaderElectLeaseDurationSeconds),
            Compaction = new Bosun.ApiServer.Bootstrap.CompactionPolicy
            {
                Interval = TimeSpan.FromSeconds(Math.Max(1, CompactionIntervalSeconds)),
                RetainRevisions = CompactionRetainRevisions,
            },
            CgroupRoot = CgroupRoot,
            ResolvConf = Path.GetFullPath(ResolvConf),
            SecretsEncryption = SecretsEncryption,
        };
        return problems.Count == 0;
    }

    public static string DefaultDataDirectory() => DefaultDataDir();

    private static string DefaultDataDir() => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root"
        ? "/var/lib/bosun"
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".bosun");

    private static IPNetwork? Cidr(string flag, string value, List<string> problems)
    {
        if (IPNetwork.TryParse(value, out var net) && net.BaseAddress.AddressFamily == AddressFamily.InterNetwork) return net;
        problems.Add($"{flag}: \"{value}\" is not an IPv4 CIDR (e.g. 10.96.0.0/12)");
        return null;
    }

    internal static IPAddress Offset(IPAddress address, int offset)
    {
        var bytes = address.GetAddressBytes();
        var value = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]) + (uint)offset;
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }
}

/// <summary>Checked server settings; only this starts a server.</summary>
internal sealed record ServerConfig(string DataDir, IPAddress BindAddress, int Port, string KubeconfigPath, Datastore Datastore,
    bool DisableAgent, bool DisableControllerManager, bool DisableScheduler, TimeSpan NodeMonitorGracePeriod, IPNetwork ServiceCidr, IPNetwork ClusterCidr, IPAddress ClusterDns, string ClusterDomain, bool JsonLogs)
{
    /// <summary>The in-process agent's node name (default: the host name).</summary>
    public string NodeName { get; init; } = "";
    public string? NodeIp { get; init; }
    /// <summary>An existing CRI socket; null: the agent supervises its own containerd.</summary>
    public string? ContainerRuntimeEndpoint { get; init; }
    public bool DisableKubeProxy { get; init; }
    /// <summary>Whether the agent runs the host-gw pod network (routes to other nodes, masquerade).</summary>
    public bool RunPodNetwork { get; init; }
    public bool DisableClusterDns { get; init; }
    public int KubeletPort { get; init; } = 10250;
    public bool NoInstall { get; init; }
    /// <summary>Set: share the cluster CA and admin token with the other servers through the datastore.</summary>
    public string? Token { get; init; }

    /// <summary>Lease duration of every leader-elected component; renew deadline and retry period scale with it.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How much history the leader-elected compactor keeps.</summary>
    public Bosun.ApiServer.Bootstrap.CompactionPolicy Compaction { get; init; } = new();
    /// <summary>Parent cgroup of the pods (kubelet's --cgroup-root).</summary>
    public string CgroupRoot { get; init; } = "/bosun";
    public string ResolvConf { get; init; } = "/etc/resolv.conf";
    /// <summary>Encrypt Secrets in the datastore (k3s's <c>--secrets-encryption</c>).</summary>
    public bool SecretsEncryption { get; init; }
}
