using System.Net;
using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// Cluster IPs and node ports for Services, as the Service REST storage's allocators do in kube-apiserver
/// (pkg/registry/core/service/storage/alloc.go): assign on create, adjust on type changes, release on delete, and
/// rebuild from the stored Services at start-up.
/// <para>
/// The state is in memory and owned by this API server process. That is correct for one server; several servers
/// sharing a store would need the allocation bitmaps kept in storage (Kubernetes' RangeAllocation objects) and
/// repaired by a controller — not done yet.
/// </para>
/// </summary>
internal sealed class ServiceAllocator(ClusterIpRange ips, NodePortRange nodePorts)
{
    public ClusterIpRange Ips => ips;
    public NodePortRange NodePorts => nodePorts;

    public AllocationTransaction AllocateOnCreate(JsonObject obj, bool dryRun)
    {
        var spec = obj.Ensure("spec");
        var name = obj.Obj("metadata").Str("name") ?? "";
        var taken = new AllocationLedger(ips, nodePorts, dryRun);
        try
        {
            if (NeedsClusterIp(spec)) AllocateClusterIp(spec, name, taken);
            if (HasNodePorts(spec)) AllocateNodePorts(spec, null, name, taken);
            if (NeedsHealthCheckPort(spec)) AllocateHealthCheckPort(spec, name, taken);
        }
        catch
        {
            taken.Revert();
            throw;
        }
        return new AllocationTransaction(null, taken.Revert);
    }

    public AllocationTransaction AllocateOnUpdate(JsonObject obj, JsonObject old, bool dryRun)
    {
        var spec = obj.Ensure("spec");
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        var name = obj.Obj("metadata").Str("name") ?? "";
        var taken = new AllocationLedger(ips, nodePorts, dryRun);
        var release = new List<Action>();
        try
        {
            var type = spec.Str("type");
            var oldType = oldSpec.Str("type");
            // ExternalName → a type with an IP allocates one; the other way gives it back.
            if (oldType == "ExternalName" && type != "ExternalName" && NeedsClusterIp(spec))
                AllocateClusterIp(spec, name, taken);
            else if (oldType != "ExternalName" && type == "ExternalName" && ClusterIp(oldSpec) is { } oldIp)
                release.Add(() => ips.Release(oldIp));

            var oldPorts = NodePortNumbers(oldSpec);
            if (HasNodePorts(spec)) AllocateNodePorts(spec, oldPorts, name, taken);
            var newPorts = NodePortNumbers(spec);
            foreach (var port in oldPorts.Where(p => !newPorts.Contains(p))) release.Add(() => nodePorts.Release(port));

            var oldHealth = NeedsHealthCheckPort(oldSpec) ? (int?)oldSpec.Long("healthCheckNodePort") : null;
            if (NeedsHealthCheckPort(spec))
            {
                if (oldHealth is null) AllocateHealthCheckPort(spec, name, taken);
            }
            else if (oldHealth is { } h) release.Add(() => nodePorts.Release(h));
        }
        catch
        {
            taken.Revert();
            throw;
        }
        return new AllocationTransaction(
            () => { if (!dryRun) release.ForEach(r => r()); },
            taken.Revert);
    }

    public void Release(JsonObject obj)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        if (spec.Str("type") != "ExternalName" && ClusterIp(spec) is { } ip) ips.Release(ip);
        foreach (var port in NodePortNumbers(spec)) nodePorts.Release(port);
        if (NeedsHealthCheckPort(spec) && spec.Long("healthCheckNodePort") is { } health and > 0) nodePorts.Release((int)health);
    }

    /// <summary>Marks everything stored Services hold; values outside today's ranges are ignored (the range may have changed).</summary>
    public void Restore(IEnumerable<JsonObject> services)
    {
        foreach (var svc in services)
        {
            var spec = svc.Obj("spec") ?? new JsonObject();
            if (spec.Str("type") != "ExternalName" && ClusterIp(spec) is { } ip) ips.Allocate(ip, dryRun: false);
            foreach (var port in NodePortNumbers(spec)) nodePorts.Allocate(port, dryRun: false);
            if (NeedsHealthCheckPort(spec) && spec.Long("healthCheckNodePort") is { } health and > 0) nodePorts.Allocate((int)health, dryRun: false);
        }
    }

    /// <summary>Every type but ExternalName gets a cluster IP, unless it is headless.</summary>
    private static bool NeedsClusterIp(JsonObject spec) => spec.Str("type") != "ExternalName" && spec.Str("clusterIP") != "None";

    private static bool HasNodePorts(JsonObject spec) => spec.Str("type") is "NodePort" or "LoadBalancer";

    private static bool ShouldAllocateNodePorts(JsonObject spec) =>
        spec.Str("type") == "NodePort"
        || (spec.Str("type") == "LoadBalancer" && (spec["allocateLoadBalancerNodePorts"] is null || IsTrue(spec["allocateLoadBalancerNodePorts"])));

    private static bool IsTrue(JsonNode? n) => n is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static bool NeedsHealthCheckPort(JsonObject spec) =>
        spec.Str("type") == "LoadBalancer" && spec.Str("externalTrafficPolicy") == "Local";

    private static IPAddress? ClusterIp(JsonObject spec) =>
        IPAddress.TryParse(spec.Str("clusterIP") ?? "", out var ip) ? ip : null;

    private static HashSet<int> NodePortNumbers(JsonObject spec) =>
        spec.Arr("ports")?.OfType<JsonObject>().Select(p => (int)(p.Long("nodePort") ?? 0)).Where(p => p != 0).ToHashSet() ?? [];

    private void AllocateClusterIp(JsonObject spec, string name, AllocationLedger taken)
    {
        var requested = spec.Str("clusterIP");
        if (string.IsNullOrEmpty(requested))
        {
            var ip = ips.AllocateNext(taken.DryRun)
                ?? throw ApiException.Internal("Internal error occurred: failed to allocate a serviceIP: range is full");
            taken.Ip(ip);
            spec["clusterIP"] = ip.ToString();
            spec["clusterIPs"] = new JsonArray(ip.ToString());
            return;
        }
        var parsed = IPAddress.Parse(requested);   // syntax was validated before allocation
        if (ips.Allocate(parsed, taken.DryRun) is { } error)
        {
            var listed = spec.Arr("clusterIPs")?.Select(n => n?.ToString() ?? "").ToList() ?? [requested];
            throw Invalid(name, FieldError.Invalid("spec.clusterIPs", listed, $"failed to allocate IP {requested}: {error}"));
        }
        taken.Ip(parsed);
    }

    /// <summary>Requested ports are claimed (twice in one Service is fine, e.g. TCP and UDP on one port); zeros get the next free one.</summary>
    private void AllocateNodePorts(JsonObject spec, HashSet<int>? oldPorts, string name, AllocationLedger taken)
    {
        var auto = ShouldAllocateNodePorts(spec);
        var claimed = new HashSet<int>();
        var ports = spec.Arr("ports")?.OfType<JsonObject>().ToList() ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            var requested = (int)(ports[i].Long("nodePort") ?? 0);
            if (requested != 0)
            {
                if (oldPorts?.Contains(requested) == true || !claimed.Add(requested)) continue;
                if (nodePorts.Allocate(requested, taken.DryRun) is { } error)
                    throw Invalid(name, FieldError.Invalid($"spec.ports[{i}].nodePort", requested, error));
                taken.Port(requested);
            }
            else if (auto)
            {
                var port = nodePorts.AllocateNext(taken.DryRun)
                    ?? throw ApiException.Internal("Internal error occurred: failed to allocate a nodePort: range is full");
                taken.Port(port);
                ports[i]["nodePort"] = port;
            }
        }
    }

    private void AllocateHealthCheckPort(JsonObject spec, string name, AllocationLedger taken)
    {
        var requested = (int)(spec.Long("healthCheckNodePort") ?? 0);
        if (requested != 0)
        {
            if (nodePorts.Allocate(requested, taken.DryRun) is { } error)
                throw Invalid(name, FieldError.Invalid("spec.healthCheckNodePort", requested, error));
            taken.Port(requested);
            return;
        }
        var port = nodePorts.AllocateNext(taken.DryRun)
            ?? throw ApiException.Internal("Internal error occurred: failed to allocate a nodePort: range is full");
        taken.Port(port);
        spec["healthCheckNodePort"] = port;
    }

    private static ApiException Invalid(string name, FieldError error) => ApiException.Invalid("", "Service", name, [error]);
}
