using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>Ingresses, IngressClasses and NetworkPolicies (networking.k8s.io).</summary>
internal static class NetworkingTables
{
    public static readonly TableConvertor Ingresses = new(
    [
        Col.Name(),
        Col.Str("Class", "The name of the IngressClass resource that should be used for additional configuration"),
        Col.Str("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
        Col.Str("Address", "Address is a list containing ingress points for the load-balancer"),
        Col.Str("Ports", "Ports of TLS configurations that open"),
        Col.Age(),
    ], IngressCells);

    public static readonly TableConvertor IngressClasses = new(
    [
        Col.Name(),
        Col.Str("Controller", "Controller that is responsible for handling this class"),
        Col.Str("Parameters", "A reference to a resource with additional parameters"),
        Col.Age(),
    ], IngressClassCells);

    public static readonly TableConvertor NetworkPolicies = new(
    [
        Col.Name(),
        Col.Str("Pod-Selector", ColumnDocs.NetworkPolicyPodSelector),
        Col.Age(),
    ], (np, now) => [JsonRead.Name(np), CellFormat.LabelSelector(JsonRead.Obj(np["spec"], "podSelector")), JsonRead.Age(np, now)]);

    private static object?[] IngressCells(JsonObject ing, DateTimeOffset now)
    {
        var spec = ing["spec"];
        string className = JsonRead.StrOrNull(spec, "ingressClassName") ?? CellFormat.None;
        string ports = JsonRead.Count(spec, "tls") > 0 ? "80, 443" : "80";
        string address = string.Join(",", ServiceTables.LoadBalancerIngress(JsonRead.Obj(ing["status"], "loadBalancer")));
        return [JsonRead.Name(ing), className, Hosts(JsonRead.Arr(spec, "rules")), address, ports, JsonRead.Age(ing, now)];
    }

    private static string Hosts(JsonArray? rules)
    {
        const int max = 3;
        var list = new List<string>(max);
        bool more = false;
        foreach (var rule in JsonRead.Objects(rules))
        {
            if (list.Count == max)
            {
                more = true;
            }
            if (!more && JsonRead.Str(rule, "host") is { Length: > 0 } host)
            {
                list.Add(host);
            }
        }
        if (list.Count == 0)
        {
            return "*";
        }
        string ret = string.Join(",", list);
        return more ? ret + " + " + ((rules?.Count ?? 0) - max) + " more..." : ret;
    }

    private static object?[] IngressClassCells(JsonObject ic, DateTimeOffset now)
    {
        var spec = ic["spec"];
        string parameters = CellFormat.None;
        if (JsonRead.Obj(spec, "parameters") is { } p)
        {
            parameters = JsonRead.Str(p, "kind");
            if (JsonRead.StrOrNull(p, "apiGroup") is { } group)
            {
                parameters += "." + group;
            }
            parameters += "/" + JsonRead.Str(p, "name");
        }
        return [JsonRead.Name(ic), JsonRead.Str(spec, "controller"), parameters, JsonRead.Age(ic, now)];
    }
}
