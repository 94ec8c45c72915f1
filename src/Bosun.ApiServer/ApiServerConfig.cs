using System.Net;

namespace Bosun.ApiServer;

/// <summary>Checked settings of one API server. Built by the server binary from its flags; tests build it directly.</summary>
public sealed record ApiServerConfig
{
    /// <summary>Where certificates and the admin token live (<c>&lt;data-dir&gt;/server</c>).</summary>
    public required string StateDirectory { get; init; }
    public IPAddress BindAddress { get; init; } = IPAddress.Any;
    /// <value>6443 by default; 0 picks a free port (tests).</value>
    public int Port { get; init; } = 6443;
    /// <summary>The admin kubeconfig to write; null writes none.</summary>
    public string? KubeconfigPath { get; init; }
    public IPNetwork ServiceCidr { get; init; } = IPNetwork.Parse("10.96.0.0/12");
    public string ClusterDomain { get; init; } = "cluster.local";
    /// <summary>How often old revisions are compacted away; history younger than this stays. Zero: this host does not compact.</summary>
    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Encrypt Secrets in the datastore with the key in <c>cred/secrets-encryption.key</c> (<c>--secrets-encryption</c>).</summary>
    public bool SecretsEncryption { get; init; }
    /// <summary>How many recent events the watch cache keeps for resuming watches.</summary>
    public int WatchCacheSize { get; init; } = 4096;
}
