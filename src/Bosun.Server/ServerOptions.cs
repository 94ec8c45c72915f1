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
        if (LogFormat is not ("text" or "json")) problems.Add($"--log-format must be text or json, got \"{LogFormat}\"");
        var datastore = Datastore.TryParse(DatastoreEndpoint, dataDir, problems);

        config = new ServerConfig(dataDir, bind ?? IPAddress.Any, HttpsListenPort,
            Path.GetFullPath(WriteKubeconfig ?? Path.Combine(dataDir, "admin.kubeconfig")), datastore!,
            DisableAgent, DisableControllerManager, DisableScheduler, TimeSpan.FromSeconds(NodeMonitorGracePeriodSeconds), serviceCidr ?? default, clusterCidr ?? default, dns ?? IPAddress.None, ClusterDomain, LogFormat == "json");
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
    bool DisableAgent, bool DisableControllerManager, bool DisableScheduler, TimeSpan NodeMonitorGracePeriod, IPNetwork ServiceCidr, IPNetwork ClusterCidr, IPAddress ClusterDns, string ClusterDomain, bool JsonLogs);
