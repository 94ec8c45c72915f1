using k8s.Models;

namespace Bosun.Proxy.Rules;

/// <summary>
/// Turns Services and EndpointSlices into the proxy's view (kube-proxy's ServiceChangeTracker and
/// EndpointsChangeTracker, without the incremental bookkeeping): one <see cref="ServicePortInfo"/> per port of every
/// Service with a cluster IP, its endpoints taken from the slices labelled with the Service's name.
/// </summary>
internal static class ServiceCatalog
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public static List<ServicePortInfo> Build(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices, string nodeName)
    {
        var byService = slices
            .Where(s => s.AddressType is "IPv4" && s.Metadata.Labels?.ContainsKey(ServiceNameLabel) == true)
            .ToLookup(s => (s.Metadata.NamespaceProperty ?? "", s.Metadata.Labels![ServiceNameLabel]));
        var result = new List<ServicePortInfo>();
        foreach (var svc in services)
        {
            var spec = svc.Spec;
            if (spec is null || spec.Type == "ExternalName" || string.IsNullOrEmpty(spec.ClusterIP) || spec.ClusterIP == "None") continue;
            if (spec.ClusterIP.Contains(':')) continue;   // IPv4 only: ip6tables is not programmed
            var ns = svc.Metadata.NamespaceProperty ?? "";
            var svcSlices = byService[(ns, svc.Metadata.Name)].ToList();
            int? affinity = spec.SessionAffinity == "ClientIP" ? spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? 10800 : null;
            foreach (var port in spec.Ports ?? [])
            {
                var protocol = port.Protocol ?? "TCP";
                var name = $"{ns}/{svc.Metadata.Name}" + (string.IsNullOrEmpty(port.Name) ? "" : ":" + port.Name);
                result.Add(new ServicePortInfo(
                    name, protocol, spec.ClusterIP, port.Port,
                    spec.Type is "NodePort" or "LoadBalancer" ? port.NodePort ?? 0 : 0,
                    spec.ExternalIPs?.ToList() ?? [],
                    affinity,
                    ExternalLocal: spec.ExternalTrafficPolicy == "Local" && spec.Type is "NodePort" or "LoadBalancer",
                    InternalLocal: spec.InternalTrafficPolicy == "Local",
                    Endpoints(svcSlices, port.Name, protocol, nodeName)));
            }
        }
        return result;
    }

    /// <summary>
    /// The endpoints for one Service port: the slice port of the same name and protocol gives the number (a named
    /// targetPort is already resolved there by the endpoints controller). Conditions follow the API's rules for
    /// unset values: ready and serving default to true, terminating to false. Duplicates across slices count once.
    /// </summary>
    private static List<EndpointInfo> Endpoints(List<V1EndpointSlice> slices, string? portName, string protocol, string nodeName)
    {
        var seen = new Dictionary<string, EndpointInfo>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            var port = slice.Ports?.FirstOrDefault(p => (p.Name ?? "") == (portName ?? "") && (p.Protocol ?? "TCP") == protocol);
            if (port?.Port is not { } number) continue;
            foreach (var ep in slice.Endpoints ?? [])
            {
                if (ep.Addresses is not { Count: > 0 }) continue;
                var ready = ep.Conditions?.Ready ?? true;
                var info = new EndpointInfo(ep.Addresses[0], number, ready, ep.Conditions?.Serving ?? ready,
                    ep.Conditions?.Terminating ?? false, ep.NodeName == nodeName);
                seen.TryAdd(info.HostPort, info);
            }
        }
        return seen.Values.OrderBy(e => e.Ip, IpOrder.Instance).ThenBy(e => e.Port).ToList();
    }
}

/// <summary>Orders dotted IPv4 strings numerically, so rule order is stable and readable.</summary>
internal sealed class IpOrder : IComparer<string>
{
    public static readonly IpOrder Instance = new();

    public int Compare(string? x, string? y) =>
        System.Net.IPAddress.TryParse(x, out var a) && System.Net.IPAddress.TryParse(y, out var b)
            ? Key(a).CompareTo(Key(b))
            : string.CompareOrdinal(x, y);

    private static ulong Key(System.Net.IPAddress ip)
    {
        var bytes = ip.GetAddressBytes();
        return bytes.Length == 4 ? (ulong)bytes[0] << 24 | (ulong)bytes[1] << 16 | (ulong)bytes[2] << 8 | bytes[3] : ulong.MaxValue;
    }
}
