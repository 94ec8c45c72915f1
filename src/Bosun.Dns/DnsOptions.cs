using System.Net;

namespace Bosun.Dns;

/// <summary>Settings of the cluster DNS server (what CoreDNS's Corefile says for kube-dns, as options).</summary>
public sealed record DnsOptions
{
    /// <summary>Address the server listens on, UDP and TCP. Required; the node address when published as kube-dns.</summary>
    public required IPAddress ListenAddress { get; init; }

    /// <summary>Port for UDP and TCP. Default 53.</summary>
    public int Port { get; init; } = 53;

    /// <summary>The zone served from the API. Default <c>cluster.local</c> (<c>--cluster-domain</c>).</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>Where other names go. Null: the nameservers of <see cref="ResolvConfPath"/> (port 53).</summary>
    public IReadOnlyList<IPEndPoint>? Upstreams { get; init; }

    /// <summary>Host resolver configuration read when <see cref="Upstreams"/> is null.</summary>
    public string ResolvConfPath { get; init; } = "/etc/resolv.conf";

    /// <summary>TTL of cluster answers, seconds (CoreDNS's kubernetes plugin default). Default 5.</summary>
    public int Ttl { get; init; } = 5;

    /// <summary>Forwarded answers are cached at most this long, seconds (CoreDNS's <c>cache 30</c>). 0 disables. Default 30.</summary>
    public int ForwardCacheSeconds { get; init; } = 30;

    /// <summary>Timeout of one forwarded query, milliseconds. Default 2000.</summary>
    public int ForwardTimeoutMs { get; init; } = 2000;

    /// <summary>
    /// When set, the server publishes itself as the <c>kube-system/kube-dns</c> Service (see <see cref="KubeDnsService"/>):
    /// this node's endpoint at <see cref="ListenAddress"/>:<see cref="Port"/> behind that cluster IP.
    /// </summary>
    public KubeDnsPublication? Publish { get; init; }
}

/// <summary>How this node's DNS server appears as kube-dns: the Service's cluster IP (<c>--cluster-dns</c>) and the node.</summary>
public sealed record KubeDnsPublication(IPAddress ClusterIp, string NodeName);
