using System.Text.Json.Nodes;
using static Bosun.ApiServer.Registry.Defaulting.JsonDefaults;

namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>
/// core/v1 SetDefaults_Service: type, session affinity, port protocols and target ports, and the traffic policies.
/// Cluster IPs, IP families and node ports are not defaults: the Service REST storage assigns them at create
/// (<see cref="Allocation.ServiceAllocator"/>).
/// </summary>
internal static class ServiceDefaults
{
    public static void Apply(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        String(spec, "sessionAffinity", "None");
        if (spec.Str("sessionAffinity") == "None") spec.Remove("sessionAffinityConfig");
        else if (spec.Str("sessionAffinity") == "ClientIP" && spec.Obj("sessionAffinityConfig").Obj("clientIP")?["timeoutSeconds"] is null)
            spec["sessionAffinityConfig"] = new JsonObject { ["clientIP"] = new JsonObject { ["timeoutSeconds"] = 10800 } };
        String(spec, "type", "ClusterIP");
        foreach (var port in Items(spec, "ports"))
        {
            String(port, "protocol", "TCP");
            // intstr zero (0 or "") means unset: the target is the service port.
            var target = port["targetPort"];
            var unset = target is null
                || (target is JsonValue v && (v.TryGetValue<string>(out var s) ? s.Length == 0 : port.Long("targetPort") == 0));
            if (unset && port["port"] is { } p) port["targetPort"] = p.DeepClone();
        }
        var type = spec.Str("type");
        if (type is "NodePort" or "LoadBalancer") String(spec, "externalTrafficPolicy", "Cluster");
        if (type is "NodePort" or "LoadBalancer" or "ClusterIP") Pointer(spec, "internalTrafficPolicy", "Cluster");
        if (type == "LoadBalancer") Pointer(spec, "allocateLoadBalancerNodePorts", true);
    }
}
