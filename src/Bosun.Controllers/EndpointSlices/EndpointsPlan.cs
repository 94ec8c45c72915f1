using Bosun.Controllers.Common;
using k8s.Models;

namespace Bosun.Controllers.EndpointSlices;

/// <summary>One pod as a Service endpoint: its address, readiness and the Service ports resolved on it.</summary>
internal sealed record PodEndpoint(V1Pod Pod, string Ip, bool Ready, bool Terminating, IReadOnlyList<ResolvedPort> Ports);

/// <summary>A Service port resolved to the number a pod listens on.</summary>
internal sealed record ResolvedPort(string? Name, int Port, string Protocol, string? AppProtocol);

/// <summary>
/// The pure part of the endpoints controllers: which pods back a Service, on which ports, and the Endpoints and
/// EndpointSlice contents that follow.
/// </summary>
internal static class EndpointsPlan
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    public const string ManagedBy = "endpointslice-controller.k8s.io";
    public const int MaxEndpointsPerSlice = 100;

    /// <summary>
    /// The pods that back the Service: selected, with an IP, not finished. Terminating pods stay (as not ready) only
    /// in slices, as upstream keeps them there for graceful connection draining.
    /// </summary>
    public static List<PodEndpoint> Resolve(V1Service service, IEnumerable<V1Pod> pods)
    {
        var selector = service.Spec?.Selector;
        var publishNotReady = service.Spec?.PublishNotReadyAddresses == true;
        var result = new List<PodEndpoint>();
        foreach (var pod in pods)
        {
            if (selector is null || !selector.All(kv => pod.Metadata.Labels?.TryGetValue(kv.Key, out var v) == true && v == kv.Value)) continue;
            if (string.IsNullOrEmpty(pod.Status?.PodIP) || pod.Status.Phase is "Succeeded" or "Failed") continue;
            var terminating = pod.Metadata.DeletionTimestamp is not null;
            var ports = new List<ResolvedPort>();
            foreach (var sp in service.Spec?.Ports ?? [])
            {
                if (FindPort(pod, sp) is { } number) ports.Add(new ResolvedPort(sp.Name, number, sp.Protocol ?? "TCP", sp.AppProtocol));
            }
            result.Add(new PodEndpoint(pod, pod.Status.PodIP, (publishNotReady || Pods.IsReady(pod)) && !terminating, terminating, ports));
        }
        return result.OrderBy(e => e.Ip, StringComparer.Ordinal).ThenBy(e => e.Pod.Metadata.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The pod's port for a Service port: a number is used as is, a name is looked up among the pod's container
    /// ports of the same protocol (null when the pod has no such port), and no targetPort means the Service port.
    /// </summary>
    public static int? FindPort(V1Pod pod, V1ServicePort sp)
    {
        var target = sp.TargetPort?.Value;
        if (string.IsNullOrEmpty(target)) return sp.Port;
        if (int.TryParse(target, System.Globalization.CultureInfo.InvariantCulture, out var n)) return n;
        var protocol = sp.Protocol ?? "TCP";
        return pod.Spec?.Containers?.SelectMany(c => c.Ports ?? []).FirstOrDefault(p => p.Name == target && (p.Protocol ?? "TCP") == protocol)?.ContainerPort;
    }

    /// <summary>Endpoints subsets: addresses with the same resolved ports share a subset (upstream's RepackSubsets).</summary>
    public static List<V1EndpointSubset> Subsets(V1Service service, IReadOnlyList<PodEndpoint> endpoints)
    {
        var subsets = new List<V1EndpointSubset>();
        var hasPorts = service.Spec?.Ports is { Count: > 0 };
        foreach (var group in endpoints.Where(e => !e.Terminating && (!hasPorts || e.Ports.Count > 0)).GroupBy(e => PortsKey(e.Ports)).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ready = group.Where(e => e.Ready).Select(Address).ToList();
            var notReady = group.Where(e => !e.Ready).Select(Address).ToList();
            subsets.Add(new V1EndpointSubset
            {
                Addresses = ready.Count > 0 ? ready : null,
                NotReadyAddresses = notReady.Count > 0 ? notReady : null,
                Ports = hasPorts
                    ? group.First().Ports.Select(p => new Corev1EndpointPort { Name = p.Name, Port = p.Port, Protocol = p.Protocol, AppProtocol = p.AppProtocol }).ToList()
                    : null,
            });
        }
        return subsets;
    }

    private static V1EndpointAddress Address(PodEndpoint e) => new()
    {
        Ip = e.Ip,
        NodeName = string.IsNullOrEmpty(e.Pod.Spec?.NodeName) ? null : e.Pod.Spec.NodeName,
        TargetRef = new V1ObjectReference
        {
            Kind = "Pod", NamespaceProperty = e.Pod.Metadata.NamespaceProperty, Name = e.Pod.Metadata.Name, Uid = e.Pod.Metadata.Uid,
        },
    };

    public static string PortsKey(IEnumerable<ResolvedPort> ports) =>
        string.Join(";", ports.Select(p => $"{p.Name}/{p.Port}/{p.Protocol}/{p.AppProtocol}").Order(StringComparer.Ordinal));

    /// <summary>What one EndpointSlice should hold; existing slices are matched to these by address type and ports.</summary>
    public sealed record SliceSpec(string AddressType, IReadOnlyList<ResolvedPort> Ports, List<V1Endpoint> Endpoints)
    {
        public string Key => AddressType + "|" + PortsKey(Ports);
    }

    /// <summary>Slices per address family and port set, at most <see cref="MaxEndpointsPerSlice"/> endpoints each.</summary>
    public static List<SliceSpec> Slices(IReadOnlyList<PodEndpoint> endpoints)
    {
        var slices = new List<SliceSpec>();
        foreach (var group in endpoints.GroupBy(e => (Family: e.Ip.Contains(':') ? "IPv6" : "IPv4", Ports: PortsKey(e.Ports))).OrderBy(g => g.Key.Family + g.Key.Ports, StringComparer.Ordinal))
        {
            foreach (var chunk in group.Chunk(MaxEndpointsPerSlice))
            {
                slices.Add(new SliceSpec(group.Key.Family, chunk[0].Ports, chunk.Select(e => new V1Endpoint
                {
                    Addresses = [e.Ip],
                    Conditions = new V1EndpointConditions { Ready = e.Ready, Serving = e.Ready || (e.Terminating && Pods.IsReady(e.Pod)), Terminating = e.Terminating },
                    NodeName = string.IsNullOrEmpty(e.Pod.Spec?.NodeName) ? null : e.Pod.Spec.NodeName,
                    TargetRef = new V1ObjectReference
                    {
                        Kind = "Pod", NamespaceProperty = e.Pod.Metadata.NamespaceProperty, Name = e.Pod.Metadata.Name, Uid = e.Pod.Metadata.Uid,
                    },
                }).ToList()));
            }
        }
        return slices;
    }

    public static List<Discoveryv1EndpointPort> SlicePorts(IReadOnlyList<ResolvedPort> ports) =>
        ports.Select(p => new Discoveryv1EndpointPort { Name = p.Name, Port = p.Port, Protocol = p.Protocol, AppProtocol = p.AppProtocol }).ToList();
}
