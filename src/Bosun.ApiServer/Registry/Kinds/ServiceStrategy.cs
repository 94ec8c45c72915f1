using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Registry.Allocation;
using Bosun.ApiServer.Registry.Checks;
using Bosun.ApiServer.Registry.Defaulting;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>
/// Services: scheme defaults, the IP family fields and cluster IP / node port allocation the Service REST storage adds,
/// validation, and what an update may not change. Allocation state is the <see cref="ServiceAllocator"/>'s.
/// </summary>
internal sealed class ServiceStrategy(ServiceAllocator allocator) : IResourceStrategy, IAllocatingStrategy
{
    public ServiceAllocator Allocator => allocator;

    public void Default(JsonObject obj) => ServiceDefaults.Apply(obj);

    public void PrepareForCreate(JsonObject obj)
    {
        NormalizeClusterIps(obj.Ensure("spec"));
        // A new Service's status is the empty ServiceStatus, whose loadBalancer struct always prints.
        obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    public void PrepareForUpdate(JsonObject obj, JsonObject old)
    {
        var spec = obj.Ensure("spec");
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        KeepAllocatedValues(spec, oldSpec);
        DropTypeDependentFields(spec, oldSpec);
        NormalizeClusterIps(spec);
    }

    public IEnumerable<FieldError> Validate(JsonObject obj) => ServiceChecks.Validate(obj, allocator.Ips.Family);

    public IEnumerable<FieldError> ValidateUpdate(JsonObject obj, JsonObject old) => ServiceChecks.ValidateUpdate(obj, old);

    public Task<AllocationTransaction> AllocateOnCreateAsync(JsonObject obj, bool dryRun, CancellationToken ct) => allocator.AllocateOnCreateAsync(obj, dryRun, ct);

    public Task<AllocationTransaction> AllocateOnUpdateAsync(JsonObject obj, JsonObject old, bool dryRun, CancellationToken ct) =>
        allocator.AllocateOnUpdateAsync(obj, old, dryRun, ct);

    public Task ReleaseAsync(JsonObject obj) => allocator.ReleaseAsync(obj);

    public Task RestoreAsync(IEnumerable<JsonObject> stored, CancellationToken ct) => allocator.RestoreAsync(stored, ct);

    /// <summary>
    /// clusterIP and clusterIPs[0] mirror each other; the family fields follow the cluster's single family. Headless
    /// Services without a selector default to RequireDualStack, as the REST storage does. ExternalName has none of it.
    /// </summary>
    private void NormalizeClusterIps(JsonObject spec)
    {
        if (spec.Str("type") == "ExternalName")
        {
            spec.Remove("ipFamilies");
            spec.Remove("ipFamilyPolicy");
            return;
        }
        var ips = spec.Arr("clusterIPs");
        if (string.IsNullOrEmpty(spec.Str("clusterIP")) && ips is { Count: > 0 } && ips[0]?.ToString() is { Length: > 0 } first)
            spec["clusterIP"] = first;
        else if (spec.Str("clusterIP") is { Length: > 0 } ip && ips is not { Count: > 0 })
            spec["clusterIPs"] = new JsonArray(ip);
        var headless = spec.Str("clusterIP") == "None";
        if (string.IsNullOrEmpty(spec.Str("ipFamilyPolicy")))
            spec["ipFamilyPolicy"] = headless && spec.Obj("selector") is not { Count: > 0 } ? "RequireDualStack" : "SingleStack";
        if (spec.Arr("ipFamilies") is not { Count: > 0 }) spec["ipFamilies"] = new JsonArray(allocator.Ips.Family);
    }

    /// <summary>
    /// A PUT that leaves out what the server assigned keeps it (kube's patchAllocatedValues): the cluster IPs while both
    /// versions need one, node ports by port name while both need them, and the health check port.
    /// </summary>
    private static void KeepAllocatedValues(JsonObject spec, JsonObject oldSpec)
    {
        if (oldSpec.Str("type") != "ExternalName" && spec.Str("type") != "ExternalName")
        {
            if (string.IsNullOrEmpty(spec.Str("clusterIP")) && oldSpec.Str("clusterIP") is { Length: > 0 } ip) spec["clusterIP"] = ip;
            if (spec.Arr("clusterIPs") is not { Count: > 0 } && oldSpec.Arr("clusterIPs") is { Count: > 0 } ips) spec["clusterIPs"] = ips.DeepClone();
        }
        if (oldSpec.Str("type") is "NodePort" or "LoadBalancer" && spec.Str("type") is "NodePort" or "LoadBalancer")
        {
            var newPorts = spec.Arr("ports")?.OfType<JsonObject>().ToList() ?? [];
            var oldPorts = oldSpec.Arr("ports")?.OfType<JsonObject>().ToList() ?? [];
            var used = newPorts.Select(p => p.Long("nodePort") ?? 0).Where(p => p != 0).ToHashSet();
            var byName = new Dictionary<string, long>();
            foreach (var p in oldPorts) byName[p.Str("name") ?? ""] = p.Long("nodePort") ?? 0;
            foreach (var p in newPorts)
            {
                if ((p.Long("nodePort") ?? 0) != 0) continue;
                if (byName.TryGetValue(p.Str("name") ?? "", out var old) && old != 0 && !used.Contains(old)) p["nodePort"] = old;
            }
        }
        if ((spec.Long("healthCheckNodePort") ?? 0) == 0 && oldSpec.Long("healthCheckNodePort") is { } health and > 0
            && spec.Str("type") == "LoadBalancer" && spec.Str("externalTrafficPolicy") == "Local")
            spec["healthCheckNodePort"] = health;
    }

    /// <summary>Fields that only made sense for the old type are cleared when the client merely carried them over.</summary>
    private static void DropTypeDependentFields(JsonObject spec, JsonObject oldSpec)
    {
        var type = spec.Str("type");
        if (type == oldSpec.Str("type")) return;
        if (type == "ExternalName")
        {
            foreach (var f in (string[])["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy"])
                if (JsonNode.DeepEquals(spec[f], oldSpec[f])) spec.Remove(f);
        }
        if (type is not ("NodePort" or "LoadBalancer"))
        {
            var newPorts = spec.Arr("ports")?.OfType<JsonObject>().ToList() ?? [];
            var oldPorts = oldSpec.Arr("ports")?.OfType<JsonObject>().ToList() ?? [];
            for (var i = 0; i < newPorts.Count; i++)
                if (i < oldPorts.Count && newPorts[i].Long("nodePort") is { } np && np == oldPorts[i].Long("nodePort")) newPorts[i].Remove("nodePort");
            if (spec.Str("externalTrafficPolicy") == oldSpec.Str("externalTrafficPolicy") && spec.Arr("externalIPs") is not { Count: > 0 })
                spec.Remove("externalTrafficPolicy");
        }
        if (type != "LoadBalancer")
        {
            foreach (var f in (string[])["allocateLoadBalancerNodePorts", "loadBalancerClass", "healthCheckNodePort"])
                if (JsonNode.DeepEquals(spec[f], oldSpec[f])) spec.Remove(f);
        }
    }
}
