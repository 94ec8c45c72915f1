using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Bosun.Dns.Zone;

/// <summary>The answer to one question from the cluster zone; <see cref="Forward"/> means "not ours, ask upstream".</summary>
internal sealed record ZoneAnswer(ReturnCode Code, List<DnsRecordBase> Answers, List<DnsRecordBase> Authority, List<DnsRecordBase> Additional, bool Forward = false)
{
    public static readonly ZoneAnswer NotOurs = new(ReturnCode.NoError, [], [], [], Forward: true);
}

/// <summary>
/// The pure part of the cluster DNS, following the Kubernetes DNS-based service discovery spec as CoreDNS's
/// kubernetes plugin serves it:
/// <list type="bullet">
/// <item><c>svc.ns.svc.DOMAIN</c>: A of the cluster IP; for a headless Service, A of each ready endpoint; for an
/// ExternalName Service, a CNAME.</item>
/// <item><c>host.svc.ns.svc.DOMAIN</c>: A of the headless endpoint with that hostname (or dashed address).</item>
/// <item><c>_port._proto.svc.ns.svc.DOMAIN</c>: SRV of a named port, targets' A records as additional records.</item>
/// <item><c>a-b-c-d.ns.pod.DOMAIN</c>: A of that address.</item>
/// <item>PTR of cluster IPs and endpoint addresses; other reverse names are forwarded.</item>
/// <item>Anything else in the domain: NXDOMAIN, or NODATA for a name that exists with another type, with the SOA.</item>
/// </list>
/// </summary>
internal static class Answerer
{
    public static ZoneAnswer Answer(ClusterZone zone, DomainName name, RecordType type, int ttl)
    {
        var labels = name.Labels.Select(l => l.ToLowerInvariant()).ToArray();
        if (type == RecordType.Ptr) return Ptr(zone, labels, ttl);
        var domain = zone.Domain.Split('.');
        if (labels.Length < domain.Length || !labels[^domain.Length..].SequenceEqual(domain)) return ZoneAnswer.NotOurs;
        var rel = labels[..^domain.Length];
        if (rel.Length == 0) return type == RecordType.Soa ? new(ReturnCode.NoError, [Soa(zone, ttl)], [], []) : NoData(zone, ttl);
        return rel[^1] switch
        {
            "svc" => Service(zone, rel[..^1], name, type, ttl),
            "pod" => Pod(zone, rel[..^1], name, type, ttl),
            _ => NxDomain(zone, ttl),
        };
    }

    /// <summary><paramref name="rel"/> is the part before <c>svc.DOMAIN</c>: [], [ns], [svc, ns], [host, svc, ns] or [_port, _proto, svc, ns].</summary>
    private static ZoneAnswer Service(ClusterZone zone, string[] rel, DomainName name, RecordType type, int ttl)
    {
        switch (rel.Length)
        {
            case 0: return NoData(zone, ttl);
            case 1: return zone.Namespaces.Contains(rel[0]) ? NoData(zone, ttl) : NxDomain(zone, ttl);
        }
        if (!zone.Services.TryGetValue((rel[^1], rel[^2]), out var svc)) return NxDomain(zone, ttl);
        var svcName = DomainName.Parse($"{svc.Name}.{svc.Namespace}.svc.{zone.Domain}");
        if (svc.ExternalName is { } target)
        {
            // Only the Service's own name is an alias; names under it do not exist.
            return rel.Length == 2 ? new(ReturnCode.NoError, [new CNameRecord(name, ttl, DomainName.Parse(target))], [], []) : NxDomain(zone, ttl);
        }
        switch (rel.Length)
        {
            case 2:
                if (type is RecordType.A or RecordType.Any) return Addresses(zone, name, svc, ttl);
                if (type == RecordType.Srv) return Srv(zone, svc, svcName, name, svc.Ports.Select(p => p.Name), ttl);
                return NoData(zone, ttl);
            case 3:
                if (!svc.Headless) return NxDomain(zone, ttl);
                var endpoint = svc.Endpoints.FirstOrDefault(e => e.Label == rel[0]);
                if (endpoint is null) return NxDomain(zone, ttl);
                return type is RecordType.A or RecordType.Any
                    ? new(ReturnCode.NoError, [new ARecord(name, ttl, IPAddress.Parse(endpoint.Ip))], [], [])
                    : NoData(zone, ttl);
            case 4 when rel[0].StartsWith('_') && rel[1].StartsWith('_'):
                var port = rel[0][1..];
                var proto = rel[1][1..];
                var ports = svc.Headless ? svc.Endpoints.SelectMany(e => e.Ports) : svc.Ports;
                if (!ports.Any(p => p.Name == port && p.Protocol == proto)) return NxDomain(zone, ttl);
                return type is RecordType.Srv or RecordType.Any ? Srv(zone, svc, svcName, name, [port], ttl, proto) : NoData(zone, ttl);
            default:
                return NxDomain(zone, ttl);
        }
    }

    private static ZoneAnswer Addresses(ClusterZone zone, DomainName name, ServiceRecord svc, int ttl)
    {
        var ips = svc.Headless ? svc.Endpoints.Select(e => e.Ip) : [svc.ClusterIp!];
        var answers = ips.Select(ip => (DnsRecordBase)new ARecord(name, ttl, IPAddress.Parse(ip))).ToList();
        return answers.Count > 0 ? new(ReturnCode.NoError, answers, [], []) : NoData(zone, ttl);
    }

    /// <summary>SRV records for the given port names: one per port (ClusterIP) or per endpoint and port (headless), weights sharing 100.</summary>
    private static ZoneAnswer Srv(ClusterZone zone, ServiceRecord svc, DomainName svcName, DomainName name, IEnumerable<string> portNames, int ttl, string? proto = null)
    {
        var answers = new List<DnsRecordBase>();
        var additional = new List<DnsRecordBase>();
        var targets = new List<(DomainName Target, string Ip, int Port)>();
        foreach (var portName in portNames.Distinct())
        {
            if (svc.Headless)
            {
                foreach (var e in svc.Endpoints)
                {
                    foreach (var p in e.Ports.Where(p => p.Name == portName && (proto is null || p.Protocol == proto)))
                        targets.Add((DomainName.Parse($"{e.Label}.{svcName}"), e.Ip, p.Port));
                }
            }
            else
            {
                foreach (var p in svc.Ports.Where(p => p.Name == portName && (proto is null || p.Protocol == proto)))
                    targets.Add((svcName, svc.ClusterIp!, p.Port));
            }
        }
        if (targets.Count == 0) return NoData(zone, ttl);
        var weight = (ushort)Math.Max(1, 100 / targets.Count);
        foreach (var (target, ip, port) in targets)
        {
            answers.Add(new SrvRecord(name, ttl, 0, weight, (ushort)port, target));
            if (!additional.OfType<ARecord>().Any(a => a.Name.Equals(target))) additional.Add(new ARecord(target, ttl, IPAddress.Parse(ip)));
        }
        return new(ReturnCode.NoError, answers, [], additional);
    }

    /// <summary><c>a-b-c-d.ns.pod.DOMAIN</c>: the address spelled in the name (CoreDNS's <c>pods insecure</c>).</summary>
    private static ZoneAnswer Pod(ClusterZone zone, string[] rel, DomainName name, RecordType type, int ttl)
    {
        if (rel.Length != 2 || !IPAddress.TryParse(rel[0].Replace('-', '.'), out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || rel[0].Count(c => c == '-') != 3)
            return rel.Length <= 1 ? NoData(zone, ttl) : NxDomain(zone, ttl);
        return type is RecordType.A or RecordType.Any ? new(ReturnCode.NoError, [new ARecord(name, ttl, ip)], [], []) : NoData(zone, ttl);
    }

    private static ZoneAnswer Ptr(ClusterZone zone, string[] labels, int ttl)
    {
        if (labels.Length != 6 || labels[4] != "in-addr" || labels[5] != "arpa") return ZoneAnswer.NotOurs;
        var ip = $"{labels[3]}.{labels[2]}.{labels[1]}.{labels[0]}";
        return zone.Reverse.TryGetValue(ip, out var target)
            ? new(ReturnCode.NoError, [new PtrRecord(DomainName.Parse(string.Join('.', labels)), ttl, DomainName.Parse(target))], [], [])
            : ZoneAnswer.NotOurs;
    }

    private static ZoneAnswer NxDomain(ClusterZone zone, int ttl) => new(ReturnCode.NxDomain, [], [Soa(zone, ttl)], []);

    private static ZoneAnswer NoData(ClusterZone zone, int ttl) => new(ReturnCode.NoError, [], [Soa(zone, ttl)], []);

    /// <summary>The zone's SOA as CoreDNS writes it: ns.dns.DOMAIN, hostmaster.DOMAIN, refresh 7200, retry 1800, expire 86400, minimum TTL.</summary>
    public static SoaRecord Soa(ClusterZone zone, int ttl) => new(
        DomainName.Parse(zone.Domain), ttl, DomainName.Parse("ns.dns." + zone.Domain), DomainName.Parse("hostmaster." + zone.Domain),
        zone.Serial, 7200, 1800, 86400, ttl);
}
