using System.Net;
using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Registry.Allocation;

/// <summary>
/// Cluster IPs and node ports for Services, as the Service REST storage's allocators do in kube-apiserver
/// (pkg/registry/core/service/storage/alloc.go): assign on create, adjust on type changes, release on delete, and
/// mark what the stored Services hold at start-up.
/// <para>
/// The bitmaps live in the datastore as RangeAllocation objects when the ranges were given a store (every API server
/// on it then shares them, see <see cref="RangeBitmap"/>); <see cref="ServiceRangeRepair"/> frees what no Service
/// holds any more (a release lost to a crash or a datastore outage).
/// </para>
/// </summary>
internal sealed class ServiceAllocator(ClusterIpRange ips, NodePortRange nodePorts)
{
    public ClusterIpRange Ips => ips;
    public NodePortRange NodePorts => nodePorts;

    public async Task<AllocationTransaction> AllocateOnCreateAsync(JsonObject obj, bool dryRun, CancellationToken ct)
    {
        var spec = obj.Ensure("spec");
        var name = obj.Obj("metadata").Str("name") ?? "";
        var taken = new AllocationLedger(ips, nodePorts, dryRun);
        try
        {
            if (NeedsClusterIp(spec)) await AllocateClusterIpAsync(spec, name, taken, ct);
            if (HasNodePorts(spec)) await AllocateNodePortsAsync(spec, null, name, taken, ct);
            if (NeedsHealthCheckPort(spec)) await AllocateHealthCheckPortAsync(spec, name, taken, ct);
        }
        catch
        {
            await taken.RevertAsync();
            throw;
        }
        return new AllocationTransaction(null, taken.RevertAsync);
    }

    public async Task<AllocationTransaction> AllocateOnUpdateAsync(JsonObject obj, JsonObject old, bool dryRun, CancellationToken ct)
    {
        var spec = obj.Ensure("spec");
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        var name = obj.Obj("metadata").Str("name") ?? "";
        var taken = new AllocationLedger(ips, nodePorts, dryRun);
        var release = new List<Func<Task>>();
        try
        {
            var type = spec.Str("type");
            var oldType = oldSpec.Str("type");
            // ExternalName → a type with an IP allocates one; the other way gives it back.
            if (oldType == "ExternalName" && type != "ExternalName" && NeedsClusterIp(spec))
                await AllocateClusterIpAsync(spec, name, taken, ct);
            else if (oldType != "ExternalName" && type == "ExternalName" && ClusterIp(oldSpec) is { } oldIp)
                release.Add(() => ips.ReleaseAsync(oldIp, CancellationToken.None));

            var oldPorts = NodePortNumbers(oldSpec);
            if (HasNodePorts(spec)) await AllocateNodePortsAsync(spec, oldPorts, name, taken, ct);
            var newPorts = NodePortNumbers(spec);
            foreach (var port in oldPorts.Where(p => !newPorts.Contains(p))) release.Add(() => nodePorts.ReleaseAsync(port, CancellationToken.None));

            var oldHealth = NeedsHealthCheckPort(oldSpec) ? (int?)oldSpec.Long("healthCheckNodePort") : null;
            if (NeedsHealthCheckPort(spec))
            {
                if (oldHealth is null) await AllocateHealthCheckPortAsync(spec, name, taken, ct);
            }
            else if (oldHealth is { } h) release.Add(() => nodePorts.ReleaseAsync(h, CancellationToken.None));
        }
        catch
        {
            await taken.RevertAsync();
            throw;
        }
        return new AllocationTransaction(
            async () =>
            {
                if (dryRun) return;
                foreach (var r in release) await BestEffort.Release(r);
            },
            taken.RevertAsync);
    }

    public async Task ReleaseAsync(JsonObject obj)
    {
        var (ip, ports) = Held(obj);
        if (ip is not null) await BestEffort.Release(() => ips.ReleaseAsync(ip, CancellationToken.None));
        foreach (var port in ports) await BestEffort.Release(() => nodePorts.ReleaseAsync(port, CancellationToken.None));
    }

    /// <summary>Marks everything stored Services hold; values outside today's ranges are ignored (the range may have changed).</summary>
    public async Task RestoreAsync(IEnumerable<JsonObject> services, CancellationToken ct)
    {
        var (ipOffsets, portOffsets) = Offsets(services);
        await ips.Bitmap.MarkAsync(ipOffsets, ct);
        await nodePorts.Bitmap.MarkAsync(portOffsets, ct);
    }

    /// <summary>The bitmap offsets the given Services hold in each range (what the repair loop compares with the bitmaps).</summary>
    public (HashSet<int> Ips, HashSet<int> Ports) Offsets(IEnumerable<JsonObject> services)
    {
        var ipOffsets = new HashSet<int>();
        var portOffsets = new HashSet<int>();
        foreach (var svc in services)
        {
            var (ip, ports) = Held(svc);
            if (ip is not null && ips.OffsetOf(ip) is { } o) ipOffsets.Add(o);
            foreach (var port in ports)
                if (nodePorts.OffsetOf(port) is { } p) portOffsets.Add(p);
        }
        return (ipOffsets, portOffsets);
    }

    /// <summary>The cluster IP and node ports (with the health check port) a stored Service holds.</summary>
    private static (IPAddress? Ip, List<int> Ports) Held(JsonObject svc)
    {
        var spec = svc.Obj("spec") ?? new JsonObject();
        var ip = spec.Str("type") != "ExternalName" ? ClusterIp(spec) : null;
        var ports = NodePortNumbers(spec).ToList();
        if (NeedsHealthCheckPort(spec) && spec.Long("healthCheckNodePort") is { } health and > 0) ports.Add((int)health);
        return (ip, ports);
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

    private async Task AllocateClusterIpAsync(JsonObject spec, string name, AllocationLedger taken, CancellationToken ct)
    {
        var requested = spec.Str("clusterIP");
        if (string.IsNullOrEmpty(requested))
        {
            var ip = await ips.AllocateNextAsync(taken.DryRun, ct)
                ?? throw ApiException.Internal("Internal error occurred: failed to allocate a serviceIP: range is full");
            taken.Ip(ip);
            spec["clusterIP"] = ip.ToString();
            spec["clusterIPs"] = new JsonArray(ip.ToString());
            return;
        }
        var parsed = IPAddress.Parse(requested);   // syntax was validated before allocation
        if (await ips.AllocateAsync(parsed, taken.DryRun, ct) is { } error)
        {
            var listed = spec.Arr("clusterIPs")?.Select(n => n?.ToString() ?? "").ToList() ?? [requested];
            throw Invalid(name, FieldError.Invalid("spec.clusterIPs", listed, $"failed to allocate IP {requested}: {error}"));
        }
        taken.Ip(parsed);
    }

    /// <summary>Requested ports are claimed (twice in one Service is fine, e.g. TCP and UDP on one port); zeros get the next free one.</summary>
    private async Task AllocateNodePortsAsync(JsonObject spec, HashSet<int>? oldPorts, string name, AllocationLedger taken, CancellationToken ct)
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
                if (await nodePorts.AllocateAsync(requested, taken.DryRun, ct) is { } error)
                    throw Invalid(name, FieldError.Invalid($"spec.ports[{i}].nodePort", requested, error));
                taken.Port(requested);
            }
            else if (auto)
            {
                var port = await nodePorts.AllocateNextAsync(taken.DryRun, ct)
                    ?? throw ApiException.Internal("Internal error occurred: failed to allocate a nodePort: range is full");
                taken.Port(port);
                ports[i]["nodePort"] = port;
            }
        }
    }

    private async Task AllocateHealthCheckPortAsync(JsonObject spec, string name, AllocationLedger taken, CancellationToken ct)
    {
        var requested = (int)(spec.Long("healthCheckNodePort") ?? 0);
        if (requested != 0)
        {
            if (await nodePorts.AllocateAsync(requested, taken.DryRun, ct) is { } error)
                throw Invalid(name, FieldError.Invalid("spec.healthCheckNodePort", requested, error));
            taken.Port(requested);
            return;
        }
        var port = await nodePorts.AllocateNextAsync(taken.DryRun, ct)
            ?? throw ApiException.Internal("Internal error occurred: failed to allocate a nodePort: range is full");
        taken.Port(port);
        spec["healthCheckNodePort"] = port;
    }

    private static ApiException Invalid(string name, FieldError error) => ApiException.Invalid("", "Service", name, [error]);
}
