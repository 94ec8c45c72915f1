using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>Services, Endpoints and EndpointSlices.</summary>
internal static class ServiceTables
{
    public static readonly TableConvertor Services = new(
    [
        Col.Name(),
        Col.Str("Type", ColumnDocs.SvcType),
        Col.Str("Cluster-IP", ColumnDocs.SvcClusterIP),
        Col.Str("External-IP", ColumnDocs.SvcExternalIPs),
        Col.Str("Port(s)", ColumnDocs.SvcPorts),
        Col.Age(),
        Col.Str("Selector", ColumnDocs.SvcSelector, 1),
    ], ServiceCells);

    public static readonly TableConvertor Endpoints = new(
    [
        Col.Name(),
        Col.Str("Endpoints", ColumnDocs.EndpointsSubsets),
        Col.Age(),
    ], (e, now) => [Json.Name(e), FormatEndpoints(Json.Arr(e, "subsets")), Json.Age(e, now)]);

    public static readonly TableConvertor EndpointSlices = new(
    [
        Col.Name(),
        Col.Str("AddressType", ColumnDocs.SliceAddressType),
        Col.Str("Ports", ColumnDocs.SlicePorts),
        Col.Str("Endpoints", ColumnDocs.SliceEndpoints),
        Col.Age(),
    ], (s, now) => [Json.Name(s), Json.Str(s, "addressType"), SlicePorts(Json.Arr(s, "ports")), SliceEndpoints(Json.Arr(s, "endpoints")), Json.Age(s, now)]);

    private static object?[] ServiceCells(JsonObject svc, DateTimeOffset now)
    {
        var spec = svc["spec"];
        // Defaulting makes every served Service ClusterIP when no type was given.
        string type = Json.StrOrNull(spec, "type") is { Length: > 0 } t ? t : "ClusterIP";

        string clusterIP = CellFormat.None;
        if (Json.Arr(spec, "clusterIPs") is { Count: > 0 } ips && ips[0] is JsonValue v && v.TryGetValue(out string? ip0))
        {
            clusterIP = ip0;
        }
        else if (Json.Str(spec, "clusterIP") is { Length: > 0 } ip)
        {
            clusterIP = ip;
        }

        string ports = PortString(Json.Arr(spec, "ports"));
        return
        [
            Json.Name(svc),
            type,
            clusterIP,
            ExternalIP(type, spec, svc["status"]),
            ports.Length == 0 ? CellFormat.None : ports,
            Json.Age(svc, now),
            CellFormat.Labels(Json.Obj(spec, "selector")),
        ];
    }

    /// <summary>External-IP: spec.externalIPs, load-balancer ingress for LoadBalancer (<c>&lt;pending&gt;</c> until assigned), externalName for ExternalName.</summary>
    private static string ExternalIP(string type, JsonNode? spec, JsonNode? status)
    {
        var external = Json.Strings(Json.Arr(spec, "externalIPs")).ToList();
        switch (type)
        {
            case "ClusterIP":
            case "NodePort":
                return external.Count > 0 ? string.Join(",", external) : CellFormat.None;
            case "LoadBalancer":
                // The server prints wide, so the load-balancer list is not clipped.
                var lb = LoadBalancerIngress(Json.Obj(status, "loadBalancer"));
                if (external.Count > 0)
                {
                    return string.Join(",", lb.Concat(external));
                }
                return lb.Count > 0 ? string.Join(",", lb) : "<pending>";
            case "ExternalName":
                return Json.Str(spec, "externalName");
            default:
                return HumanDuration.Unknown;
        }
    }

    /// <summary>Sorted, de-duplicated ingress IPs (or hostnames when there is no IP) of a load-balancer status.</summary>
    internal static List<string> LoadBalancerIngress(JsonObject? loadBalancer)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ing in Json.Objects(Json.Arr(loadBalancer, "ingress")))
        {
            if (Json.Str(ing, "ip") is { Length: > 0 } ip)
            {
                set.Add(ip);
            }
            else if (Json.Str(ing, "hostname") is { Length: > 0 } host)
            {
                set.Add(host);
            }
        }
        return [.. set];
    }

    /// <summary><c>80/TCP</c> or <c>80:32189/TCP</c> when a node port is allocated, comma-joined.</summary>
    internal static string PortString(JsonArray? ports)
    {
        var sb = new StringBuilder();
        foreach (var p in Json.Objects(ports))
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }
            sb.Append(Json.Long(p, "port"));
            long nodePort = Json.Long(p, "nodePort");
            if (nodePort > 0)
            {
                sb.Append(':').Append(nodePort);
            }
            string protocol = Json.StrOrNull(p, "protocol") is { Length: > 0 } pr ? pr : "TCP";
            sb.Append('/').Append(protocol);
        }
        return sb.ToString();
    }

    /// <summary><c>formatEndpoints</c>: up to three <c>ip:port</c> entries, then <c> + N more...</c>.</summary>
    internal static string FormatEndpoints(JsonArray? subsets)
    {
        if (subsets is not { Count: > 0 })
        {
            return CellFormat.None;
        }
        const int max = 3;
        var list = new List<string>(max);
        bool more = false;
        int count = 0;
        foreach (var ss in Json.Objects(subsets))
        {
            var addresses = Json.Objects(Json.Arr(ss, "addresses")).Select(a => Json.Str(a, "ip")).ToList();
            var ports = Json.Arr(ss, "ports");
            if (ports is not { Count: > 0 })
            {
                // Headless services without ports list bare addresses.
                count += addresses.Count;
                foreach (var ip in addresses)
                {
                    if (list.Count == max)
                    {
                        more = true;
                        break;
                    }
                    list.Add(ip);
                }
                continue;
            }
            foreach (var port in Json.Objects(ports))
            {
                count += addresses.Count;
                foreach (var ip in addresses)
                {
                    if (list.Count == max)
                    {
                        more = true;
                        break;
                    }
                    list.Add(JoinHostPort(ip, Json.Long(port, "port")));
                }
            }
        }
        string ret = string.Join(",", list);
        return more ? ret + " + " + (count - max) + " more..." : ret;
    }

    private static string JoinHostPort(string host, long port) =>
        host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]:" + port : host + ":" + port;

    private static string SlicePorts(JsonArray? ports)
    {
        const int max = 3;
        var list = new List<string>(max);
        bool more = false;
        int count = 0;
        foreach (var p in Json.Objects(ports))
        {
            if (list.Count < max)
            {
                string num = Json.LongOrNull(p, "port") is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : Json.StrOrNull(p, "name") ?? "*";
                list.Add(num);
            }
            else if (list.Count == max)
            {
                more = true;
            }
            count++;
        }
        return CellFormat.ListWithMore(list, more, count, max);
    }

    private static string SliceEndpoints(JsonArray? endpoints)
    {
        const int max = 3;
        var list = new List<string>(max);
        bool more = false;
        int count = 0;
        foreach (var ep in Json.Objects(endpoints))
        {
            foreach (var address in Json.Strings(Json.Arr(ep, "addresses")))
            {
                if (list.Count < max)
                {
                    list.Add(address);
                }
                else if (list.Count == max)
                {
                    more = true;
                }
                count++;
            }
        }
        return CellFormat.ListWithMore(list, more, count, max);
    }
}
