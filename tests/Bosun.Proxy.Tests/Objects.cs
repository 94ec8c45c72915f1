using k8s.Models;

namespace Bosun.Proxy.Tests;

/// <summary>Builders for the Services and EndpointSlices the proxy reads.</summary>
internal static class Objects
{
    public static V1Service Service(string name, string clusterIp, params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { Type = "ClusterIP", ClusterIP = clusterIp, Ports = ports.ToList() },
    };

    public static V1ServicePort Port(int port, string? name = null, string protocol = "TCP", int? nodePort = null, string? targetPort = null) =>
        new() { Name = name, Port = port, Protocol = protocol, NodePort = nodePort, TargetPort = targetPort is null ? null : (IntOrString)targetPort };

    public static V1Service With(this V1Service s, Action<V1ServiceSpec> change)
    {
        change(s.Spec);
        return s;
    }

    public static V1EndpointSlice Slice(string service, string sliceName, IEnumerable<Discoveryv1EndpointPort> ports, params V1Endpoint[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = sliceName, NamespaceProperty = "default",
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = service },
        },
        AddressType = "IPv4",
        Ports = ports.ToList(),
        Endpoints = endpoints.ToList(),
    };

    public static Discoveryv1EndpointPort SlicePort(int port, string? name = null, string protocol = "TCP") => new() { Name = name, Port = port, Protocol = protocol };

    public static V1Endpoint Endpoint(string ip, bool ready = true, bool? serving = null, bool terminating = false, string node = "node-a") => new()
    {
        Addresses = [ip],
        Conditions = new V1EndpointConditions { Ready = ready, Serving = serving ?? ready, Terminating = terminating },
        NodeName = node,
    };
}
