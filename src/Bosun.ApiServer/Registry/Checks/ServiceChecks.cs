using System.Net;
using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Checks;

/// <summary>Service validation (core/validation ValidateService and ValidateServiceUpdate), the parts kubectl users meet.</summary>
internal static class ServiceChecks
{
    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    private static readonly string[] Affinities = ["ClientIP", "None"];
    private static readonly string[] Policies = ["PreferDualStack", "RequireDualStack", "SingleStack"];
    private static readonly string[] TrafficPolicies = ["Cluster", "Local"];

    public static IEnumerable<FieldError> Validate(JsonObject obj, string clusterFamily)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var type = spec.Str("type") ?? "";
        if (!Types.Contains(type)) yield return FieldError.NotSupported("spec.type", type, Types);
        var headless = spec.Str("clusterIP") == "None";

        if (type == "ExternalName")
        {
            if (string.IsNullOrEmpty(spec.Str("externalName"))) yield return FieldError.Required("spec.externalName");
        }
        else if (spec.Arr("ports") is not { Count: > 0 } && !headless)
        {
            yield return FieldError.Required("spec.ports");
        }

        var ports = spec.Arr("ports")?.OfType<JsonObject>().ToList() ?? [];
        var names = new HashSet<string>();
        for (var i = 0; i < ports.Count; i++)
        {
            var p = ports[i];
            var path = $"spec.ports[{i}]";
            var name = p.Str("name") ?? "";
            if (ports.Count > 1 && name.Length == 0) yield return FieldError.Required(path + ".name");
            else if (name.Length > 0)
            {
                foreach (var m in Bosun.Api.Validation.IsDns1123Label(name)) yield return FieldError.Invalid(path + ".name", name, m);
                if (!names.Add(name)) yield return FieldError.Duplicate(path + ".name", name);
            }
            // Unlike container ports, a zero service port is "Invalid value", not "Required value".
            if ((p.Long("port") ?? 0) is var port && (port < 1 || port > 65535))
                yield return FieldError.Invalid(path + ".port", port, "must be between 1 and 65535, inclusive");
            foreach (var e in PodSpecChecks.Protocol(p, path)) yield return e;
            if (p["targetPort"] is JsonValue t && !t.TryGetValue<string>(out _) && (p.Long("targetPort") ?? 0) is var target && (target < 1 || target > 65535))
                yield return FieldError.Invalid(path + ".targetPort", target, "must be between 1 and 65535, inclusive");
            var nodePort = p.Long("nodePort") ?? 0;
            if (nodePort != 0 && type is "ClusterIP" or "ExternalName")
                yield return FieldError.Forbidden(path + ".nodePort", $"may not be used when `type` is '{type}'");
            else if (nodePort != 0 && (nodePort < 1 || nodePort > 65535))
                yield return FieldError.Invalid(path + ".nodePort", nodePort, "must be between 1 and 65535, inclusive");
        }

        var clusterIps = spec.Arr("clusterIPs")?.Select(n => n?.ToString() ?? "").ToList() ?? [];
        if (type == "ExternalName" && clusterIps.Count > 0)
            yield return FieldError.Forbidden("spec.clusterIPs", "may not be set for ExternalName services");
        for (var i = 0; i < clusterIps.Count; i++)
        {
            var ip = clusterIps[i];
            if (ip == "None" && i == 0) continue;
            if (!IPAddress.TryParse(ip, out _) || ip.Contains('/'))
                yield return FieldError.Invalid($"spec.clusterIPs[{i}]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        }

        var affinity = spec.Str("sessionAffinity") ?? "";
        if (!Affinities.Contains(affinity)) yield return FieldError.NotSupported("spec.sessionAffinity", affinity, Affinities);

        if (spec.Str("ipFamilyPolicy") is { } policy)
        {
            if (!Policies.Contains(policy)) yield return FieldError.NotSupported("spec.ipFamilyPolicy", policy, Policies);
            else if (policy == "RequireDualStack" && !(headless && spec.Obj("selector") is not { Count: > 0 }))
                yield return FieldError.Invalid("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services");
        }
        foreach (var (family, i) in (spec.Arr("ipFamilies") ?? []).Select((f, i) => (f?.ToString() ?? "", i)))
        {
            if (family is not ("IPv4" or "IPv6")) yield return FieldError.NotSupported($"spec.ipFamilies[{i}]", family, ["IPv4", "IPv6"]);
            else if (family != clusterFamily)
                yield return FieldError.Invalid($"spec.ipFamilies[{i}]", family, "not configured on this cluster");
        }

        if (spec.Str("externalTrafficPolicy") is { Length: > 0 } etp)
        {
            if (type is not ("NodePort" or "LoadBalancer") && spec.Arr("externalIPs") is not { Count: > 0 })
                yield return FieldError.Invalid("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services");
            else if (!TrafficPolicies.Contains(etp))
                yield return FieldError.NotSupported("spec.externalTrafficPolicy", etp, TrafficPolicies);
        }
        if (spec.Str("internalTrafficPolicy") is { Length: > 0 } itp && !TrafficPolicies.Contains(itp))
            yield return FieldError.NotSupported("spec.internalTrafficPolicy", itp, TrafficPolicies);
    }

    /// <summary>The primary cluster IP may not change once set, except to or from ExternalName.</summary>
    public static IEnumerable<FieldError> ValidateUpdate(JsonObject obj, JsonObject old)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        if (spec.Str("type") == "ExternalName" || oldSpec.Str("type") == "ExternalName") yield break;
        var ips = spec.Arr("clusterIPs")?.Select(n => n?.ToString() ?? "").ToList() ?? [];
        var oldIps = oldSpec.Arr("clusterIPs")?.Select(n => n?.ToString() ?? "").ToList() ?? [];
        if (ips.Count > 0 && oldIps.Count > 0 && ips[0] != oldIps[0])
            yield return FieldError.Invalid("spec.clusterIPs[0]", ips, "may not change once set");
        else if (ips.Count == 0 && oldIps.Count > 0 && spec["clusterIPs"] is not null)
            yield return FieldError.Invalid("spec.clusterIPs[0]", ips, "primary clusterIP can not be unset");
    }
}
