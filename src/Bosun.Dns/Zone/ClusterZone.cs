using System.Net;
using k8s.Models;

namespace Bosun.Dns.Zone;

/// <summary>A port a name answers SRV for: the Service's (ClusterIP) or an endpoint's (headless).</summary>
internal sealed record NamedPort(string Name, string Protocol, int Port);

/// <summary>One ready endpoint of a headless Service: its address and DNS label (hostname, else the dashed IP).</summary>
internal sealed record EndpointRecord(string Ip, string Label, IReadOnlyList<NamedPort> Ports);

/// <summary>What DNS knows about one Service.</summary>
internal sealed record ServiceRecord(string Namespace, string Name, string? ClusterIp, string? ExternalName,
    IReadOnlyList<NamedPort> Ports, IReadOnlyList<EndpointRecord> Endpoints)
{
    public bool Headless => ClusterIp is null && ExternalName is null;
}

/// <summary>
/// An immutable snapshot of the cluster's names (CoreDNS kubernetes plugin's view of its caches): Services by
/// namespace and name, the namespaces that have any, and reverse names for cluster IPs and endpoint addresses.
/// Built from informer contents whenever they change; queries read the current snapshot without locks.
/// </summary>
internal sealed class ClusterZone
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    private ClusterZone(string domain, Dictionary<(string, string), ServiceRecord> services, Dictionary<string, string> reverse)
    {
        Domain = domain;
        Services = services;
        Namespaces = services.Keys.Select(k => k.Item1).ToHashSet(StringComparer.Ordinal);
        Reverse = reverse;
    }

    /// <summary>The SOA serial: changes whenever the snapshot is rebuilt (the builder sets it).</summary>
    public uint Serial { get; init; } = 1;

    /// <summary>The cluster domain, lower case, without a trailing dot.</summary>
    public string Domain { get; }

    public IReadOnlyDictionary<(string Namespace, string Name), ServiceRecord> Services { get; }

    public IReadOnlySet<string> Namespaces { get; }

    /// <summary>IP address (text) → the name its PTR points to (no trailing dot).</summary>
    public IReadOnlyDictionary<string, string> Reverse { get; }

    public ClusterZone WithSerial(uint serial) => new(Domain, (Dictionary<(string, string), ServiceRecord>)Services, (Dictionary<string, string>)Reverse) { Serial = serial };

    public static ClusterZone Empty(string domain) => new(domain.ToLowerInvariant().TrimEnd('.'), [], []);

    public static ClusterZone Build(string domain, IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices, Func<string, string, V1Pod?>? pod = null)
    {
        domain = domain.ToLowerInvariant().TrimEnd('.');
        var bySvc = slices.Where(s => s.Metadata.Labels?.ContainsKey(ServiceNameLabel) == true)
            .ToLookup(s => (s.Metadata.NamespaceProperty ?? "", s.Metadata.Labels![ServiceNameLabel]));
        var records = new Dictionary<(string, string), ServiceRecord>();
        var reverse = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var svc in services.OrderBy(s => s.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var ns = svc.Metadata.NamespaceProperty ?? "";
            var name = svc.Metadata.Name;
            var spec = svc.Spec ?? new V1ServiceSpec();
            var fqdn = $"{name}.{ns}.svc.{domain}";
            string? clusterIp = null, externalName = null;
            List<EndpointRecord> endpoints = [];
            if (spec.Type == "ExternalName") externalName = spec.ExternalName?.TrimEnd('.');
            else if (!string.IsNullOrEmpty(spec.ClusterIP) && spec.ClusterIP != "None") clusterIp = spec.ClusterIP;
            else endpoints = Endpoints(bySvc[(ns, name)], name, pod, spec.PublishNotReadyAddresses == true);

            var ports = (spec.Ports ?? []).Where(p => !string.IsNullOrEmpty(p.Name))
                .Select(p => new NamedPort(p.Name.ToLowerInvariant(), (p.Protocol ?? "TCP").ToLowerInvariant(), p.Port)).ToList();
            records[(ns, name)] = new ServiceRecord(ns, name, clusterIp, externalName, ports, endpoints);
            if (clusterIp is not null) reverse.TryAdd(clusterIp, fqdn);
            foreach (var e in endpoints) reverse.TryAdd(e.Ip, $"{e.Label}.{fqdn}");
        }
        return new ClusterZone(domain, records, reverse);
    }

    /// <summary>
    /// Ready endpoints of a headless Service (all of them with publishNotReadyAddresses). An endpoint's label is its
    /// hostname: the slice's, else its pod's <c>spec.hostname</c> when the pod's <c>spec.subdomain</c> names this
    /// Service (the pod-hostname rule of the DNS spec), else the address with dashes.
    /// </summary>
    private static List<EndpointRecord> Endpoints(IEnumerable<V1EndpointSlice> slices, string service, Func<string, string, V1Pod?>? pod, bool notReadyToo)
    {
        var seen = new Dictionary<string, EndpointRecord>(StringComparer.Ordinal);
        foreach (var slice in slices.Where(s => s.AddressType == "IPv4"))
        {
            var ports = (slice.Ports ?? []).Where(p => !string.IsNullOrEmpty(p.Name) && p.Port is not null)
                .Select(p => new NamedPort(p.Name.ToLowerInvariant(), (p.Protocol ?? "TCP").ToLowerInvariant(), p.Port!.Value)).ToList();
            foreach (var ep in slice.Endpoints ?? [])
            {
                if (ep.Addresses is not { Count: > 0 } || !(notReadyToo || (ep.Conditions?.Ready ?? true))) continue;
                var ip = ep.Addresses[0];
                if (!IPAddress.TryParse(ip, out _)) continue;
                var label = ep.Hostname;
                if (string.IsNullOrEmpty(label) && ep.TargetRef is { Kind: "Pod" } target && pod?.Invoke(target.NamespaceProperty ?? "", target.Name) is { } p
                    && !string.IsNullOrEmpty(p.Spec?.Hostname) && p.Spec.Subdomain == service)
                    label = p.Spec.Hostname;
                if (string.IsNullOrEmpty(label)) label = ip.Replace('.', '-');
                seen.TryAdd(ip, new EndpointRecord(ip, label.ToLowerInvariant(), ports));
            }
        }
        return seen.Values.ToList();
    }
}
