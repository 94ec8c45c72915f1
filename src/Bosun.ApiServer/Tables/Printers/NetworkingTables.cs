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
    ], (np, now) => [Json.Name(np), CellFormat.LabelSelector(Json.Obj(np["spec"], "podSelector")), Json.Age(np, now)]);

    private static object?[] IngressCells(JsonObject ing, DateTimeOffset now)
    {
        var spec = ing["spec"];
        string className = Json.StrOrNull(spec, "ingressClassName") ?? CellFormat.None;
        string ports = Json.Count(spec, "tls") > 0 ? "80, 443" : "80";
        string address = string.Join(",", ServiceTables.LoadBalancerIngress(Json.Obj(ing["status"], "loadBalancer")));
        return [Json.Name(ing), className, Hosts(Json.Arr(spec, "rules")), address, ports, Json.Age(ing, now)];
    }

    private static string Hosts(JsonArray? rules)
    {
        const int max = 3;
        var list = new List<string>(max);
        bool more = false;
        foreach (var rule in Json.Objects(rules))
        {
            if (list.Count == max)
            {
                more = true;
            }
            if (!more && Json.Str(rule, "host") is { Length: > 0 } host)
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
        if (Json.Obj(spec, "parameters") is { } p)
        {
            parameters = Json.Str(p, "kind");
            if (Json.StrOrNull(p, "apiGroup") is { } group)
            {
                parameters += "." + group;
            }
            parameters += "/" + Json.Str(p, "name");
        }
        return [Json.Name(ic), Json.Str(spec, "controller"), parameters, Json.Age(ic, now)];
    }
}
