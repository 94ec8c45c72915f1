namespace Bosun.Agent;

/// <summary>The node agent's settings (kubelet flags where the concept exists).</summary>
internal sealed record AgentOptions
{
    public required string NodeName { get; init; }
    public required string DataDir { get; init; }
    /// <summary>CRI socket (path or <c>unix://path</c>).</summary>
    public required string RuntimeEndpoint { get; init; }
    /// <summary>The node's registries.yaml: its auth is used for pulls that no imagePullSecret covers.</summary>
    public Images.RegistriesConfig Registries { get; init; } = new();
    /// <summary>Cluster DNS Service IP for ClusterFirst pods; null: pods use the node's resolv.conf.</summary>
    public string? ClusterDns { get; init; }
    public string ClusterDomain { get; init; } = "cluster.local";
    /// <summary>The port written to <c>status.daemonEndpoints.kubeletEndpoint</c> (the streaming server's).</summary>
    public int StreamingPort { get; init; } = 10250;
    /// <summary>The node's InternalIP; null: the address of the interface with the default route.</summary>
    public string? NodeIp { get; init; }
    /// <summary>Parent of the pod cgroups (<c>&lt;root&gt;/pod&lt;uid&gt;</c>); tests use a unique one.</summary>
    public string CgroupRoot { get; init; } = "/bosun";
    /// <summary>The pod CIDR when no node IPAM controller assigns one in <see cref="PodCidrWait"/>.</summary>
    public string DefaultPodCidr { get; init; } = "10.88.0.0/16";
    public TimeSpan PodCidrWait { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan NodeStatusInterval { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How often the runtime is relisted to notice exited containers (kubelet's PLEG: 1 s).</summary>
    public TimeSpan RelistInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Pods synced at once; teardown on a 2-core machine is CPU-heavy (pitfall 12).</summary>
    public int MaxConcurrentSyncs { get; init; } = 4;
    /// <summary>First delay of the container restart back-off (kubelet: 10 s, doubling to 5 min); tests shorten it.</summary>
    public TimeSpan RestartBackoffInitial { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How often the static pod manifest directory is read.</summary>
    public TimeSpan StaticPodScanInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>The cluster CA (PEM): the streaming server accepts only client certificates it signed (the API server's).</summary>
    public string? ClusterCaPem { get; init; }

    /// <summary>
    /// PEM of the CA whose client certificates the streaming server admits (the server's agent CA); null falls back to
    /// <see cref="ClusterCaPem"/> for servers from before the agent CA.
    /// </summary>
    public string? StreamingClientCaPem { get; init; }
    /// <summary>The pod network of the whole cluster; the service proxy masquerades traffic from outside it.</summary>
    public string? ClusterCidr { get; init; }
    /// <summary>
    /// Route to other nodes' podCIDRs via their InternalIPs and masquerade traffic leaving <see cref="ClusterCidr"/>
    /// (flannel host-gw; <see cref="Network.PodNetwork"/>). On by default when the agent writes its own CNI config.
    /// </summary>
    public bool RunPodNetwork { get; init; }
    /// <summary>Run the iptables service proxy (k3s: <c>--disable-kube-proxy</c> turns it off).</summary>
    public bool RunServiceProxy { get; init; } = true;
    /// <summary>Serve cluster DNS on the node address and publish it behind the kube-dns Service IP (<see cref="ClusterDns"/>).</summary>
    public bool RunClusterDns { get; init; } = true;
    /// <summary>
    /// The host's resolver configuration (kubelet's and k3s's <c>--resolv-conf</c>): what <c>dnsPolicy: Default</c> pods
    /// get and where the cluster DNS forwards names outside the cluster domain.
    /// </summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";
    /// <summary>Port of the node-local DNS server (53; tests that run several agents on one host pick another).</summary>
    public int DnsPort { get; init; } = 53;
    /// <summary>Node labels added at registration.</summary>
    public IReadOnlyDictionary<string, string> NodeLabels { get; init; } = new Dictionary<string, string>();
}
