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
    ], (e, now) => [JsonRead.Name(e), FormatEndpoints(JsonRead.Arr(e, "subsets")), JsonRead.Age(e, now)]);

    public static readonly TableConvertor EndpointSlices = new(
    [
        Col.Name(),
        Col.Str("AddressType", ColumnDocs.SliceAddressType),
        Col.Str("Ports", ColumnDocs.SlicePorts),
        Col.Str("Endpoints", ColumnDocs.SliceEndpoints),
        Col.Age(),
    ], (s, now) => [JsonRead.Name(s), JsonRead.Str(s, "addressType"), SlicePorts(JsonRead.Arr(s, "ports")), SliceEndpoints(JsonRead.Arr(s, "endpoints")), JsonRead.Age(s, now)]);

    private static object?[] ServiceCells(JsonObject svc, DateTimeOffset now)
    {
        var spec = svc["spec"];
        // Defaulting makes every served Service ClusterIP when no type was given.
        string type = JsonRead.StrOrNull(spec, "type") is { Length: > 0 } t ? t : "ClusterIP";

        string clusterIP = CellFormat.None;
        if (JsonRead.Arr(spec, "clusterIPs") is { Count: > 0 } ips && ips[0] is JsonValue v && v.TryGetValue(out string? ip0))
        {
            clusterIP = ip0;
        }
        else if (JsonRead.Str(spec, "clusterIP") is { Length: > 0 } ip)
        {
            clusterIP = ip;
        }

        string ports = PortString(JsonRead.Arr(spec, "ports"));
        return
        [
            JsonRead.Name(svc),
            type,
            clusterIP,
            ExternalIP(type, spec, svc["status"]),
            ports.Length == 0 ? CellFormat.None : ports,
            JsonRead.Age(svc, now),
            CellFormat.Labels(JsonRead.Obj(spec, "selector")),
        ];
    }

    /// <summary>External-IP: spec.externalIPs, load-balancer ingress for LoadBalancer (<c>&lt;pending&gt;</c> until assigned), externalName for ExternalName.</summary>
    private static string ExternalIP(string type, JsonNode? spec, JsonNode? status)
    {
        var external = JsonRead.Strings(JsonRead.Arr(spec, "externalIPs")).ToList();
        switch (type)
        {
            case "ClusterIP":
            case "NodePort":
                return external.Count > 0 ? string.Join(",", external) : CellFormat.None;
            case "LoadBalancer":
                // The server prints wide, so the load-balancer list is not clipped.
                var lb = LoadBalancerIngress(JsonRead.Obj(status, "loadBalancer"));
                if (external.Count > 0)
                {
                    return string.Join(",", lb.Concat(external));
                }
                return lb.Count > 0 ? string.Join(",", lb) : "<pending>";
            case "ExternalName":
                return JsonRead.Str(spec, "externalName");
            default:
                return HumanDuration.Unknown;
        }
    }

    /// <summary>Sorted, de-duplicated ingress IPs (or hostnames when there is no IP) of a load-balancer status.</summary>
    internal static List<string> LoadBalancerIngress(JsonObject? loadBalancer)
    {
        var set = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ing in JsonRead.Objects(JsonRead.Arr(loadBalancer, "ingress")))
        {
            if (JsonRead.Str(ing, "ip") is { Length: > 0 } ip)
            {
                set.Add(ip);
            }
            else if (JsonRead.Str(ing, "hostname") is { Length: > 0 } host)
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
        foreach (var p in JsonRead.Objects(ports))
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }
            sb.Append(JsonRead.Long(p, "port"));
            long nodePort = JsonRead.Long(p, "nodePort");
            if (nodePort > 0)
            {
                sb.Append(':').Append(nodePort);
            }
            string protocol = JsonRead.StrOrNull(p, "protocol") is { Length: > 0 } pr ? pr : "TCP";
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
        foreach (var ss in JsonRead.Objects(subsets))
        {
            var addresses = JsonRead.Objects(JsonRead.Arr(ss, "addresses")).Select(a => JsonRead.Str(a, "ip")).ToList();
            var ports = JsonRead.Arr(ss, "ports");
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
            foreach (var port in JsonRead.Objects(ports))
            {
                count += addresses.Count;
                foreach (var ip in addresses)
                {
                    if (list.Count == max)
                    {
                        more = true;
                        break;
                    }
                    list.Add(JoinHostPort(ip, JsonRead.Long(port, "port")));
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
        foreach (var p in JsonRead.Objects(ports))
        {
            if (list.Count < max)
            {
                string num = JsonRead.LongOrNull(p, "port") is { } n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : JsonRead.StrOrNull(p, "name") ?? "*";
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
        foreach (var ep in JsonRead.Objects(endpoints))
        {
            foreach (var address in JsonRead.Strings(JsonRead.Arr(ep, "addresses")))
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
