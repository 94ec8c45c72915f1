namespace Bosun.Proxy.Rules;

/// <summary>One endpoint of a Service port as the proxy sees it: where to DNAT to and whether it may take traffic.</summary>
internal sealed record EndpointInfo(string Ip, int Port, bool Ready, bool Serving, bool Terminating, bool IsLocal)
{
    public string HostPort => $"{Ip}:{Port}";
}

/// <summary>
/// One port of one Service with what the rules need (kube-proxy's ServicePort): <see cref="Name"/> is upstream's
/// ServicePortName, <c>ns/svc:port</c> (<c>ns/svc</c> for an unnamed port), and keys the chain hashes.
/// </summary>
internal sealed record ServicePortInfo(
    string Name,
    string Protocol,
    string ClusterIp,
    int Port,
    int NodePort,
    IReadOnlyList<string> ExternalIps,
    int? AffinitySeconds,
    bool ExternalLocal,
    bool InternalLocal,
    IReadOnlyList<EndpointInfo> Endpoints)
{
    /// <summary>
    /// Endpoints that take new connections, as upstream's CategorizeEndpoints: the ready ones, or when none is ready,
    /// the serving-but-terminating ones (so connections drain instead of failing during a rollout).
    /// </summary>
    public static IReadOnlyList<EndpointInfo> Usable(IEnumerable<EndpointInfo> endpoints)
    {
        var all = endpoints as IReadOnlyCollection<EndpointInfo> ?? endpoints.ToList();
        var ready = all.Where(e => e.Ready).ToList();
        return ready.Count > 0 ? ready : all.Where(e => e.Serving && e.Terminating).ToList();
    }

    public IReadOnlyList<EndpointInfo> AllUsable => Usable(Endpoints);

    public IReadOnlyList<EndpointInfo> LocalUsable => Usable(Endpoints.Where(e => e.IsLocal));
}
