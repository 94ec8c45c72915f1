using System.Net;
using Bosun.Client;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Dns;

/// <summary>
/// How pods reach the DNS at <c>--cluster-dns</c>: a selector-less <c>kube-system/kube-dns</c> Service with that
/// cluster IP (ports 53 UDP/TCP) and <c>internalTrafficPolicy: Local</c>, plus one EndpointSlice per node,
/// <c>kube-dns-&lt;node&gt;</c>, naming the node's own DNS server. The service proxy then DNATs 10.96.0.10:53 on each
/// node to that node's server, so no DNS traffic crosses nodes and no special rule is needed. Slices are marked
/// managed by <c>bosun-agent</c> so the endpoints controller leaves them alone.
/// </summary>
public static partial class KubeDnsService
{
    public const string Namespace = "kube-system";
    public const string Name = "kube-dns";
    public const string ManagedBy = "bosun-agent";

    public static string SliceName(string node) => $"{Name}-{node}";

    public static V1Service Service(IPAddress clusterIp, int targetPort) => new()
    {
        ApiVersion = "v1", Kind = "Service",
        Metadata = new V1ObjectMeta
        {
            Name = Name, NamespaceProperty = Namespace,
            Labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns", ["kubernetes.io/name"] = "CoreDNS", ["kubernetes.io/cluster-service"] = "true" },
        },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP", ClusterIP = clusterIp.ToString(), InternalTrafficPolicy = "Local",
            Ports =
            [
                new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP", TargetPort = targetPort },
                new V1ServicePort { Name = "dns-tcp", Port = 53, Protocol = "TCP", TargetPort = targetPort },
            ],
        },
    };

    public static V1EndpointSlice Slice(string node, IPEndPoint server) => new()
    {
        ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice",
        Metadata = new V1ObjectMeta
        {
            Name = SliceName(node), NamespaceProperty = Namespace,
            Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = Name, ["endpointslice.kubernetes.io/managed-by"] = ManagedBy },
        },
        AddressType = "IPv4",
        Endpoints = [new V1Endpoint { Addresses = [server.Address.ToString()], NodeName = node, Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false } }],
        Ports =
        [
            new Discoveryv1EndpointPort { Name = "dns", Port = server.Port, Protocol = "UDP" },
            new Discoveryv1EndpointPort { Name = "dns-tcp", Port = server.Port, Protocol = "TCP" },
        ],
    };

    /// <summary>Creates the Service if missing and writes this node's slice (create or replace).</summary>
    public static async Task PublishAsync(ApiClient api, KubeDnsPublication publish, IPEndPoint server, CancellationToken ct)
    {
        if (await api.TryGetAsync<V1Service>(Namespace, Name, ct) is null)
        {
            try { await api.CreateAsync(Namespace, Service(publish.ClusterIp, server.Port), ct); }
            catch (ApiException e) when (e.IsAlreadyExists) { }
        }
        var slice = Slice(publish.NodeName, server);
        var current = await api.TryGetAsync<V1EndpointSlice>(Namespace, slice.Metadata.Name, ct);
        if (current is null) await api.CreateAsync(Namespace, slice, ct);
        else
        {
            slice.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            await api.UpdateAsync(Namespace, slice.Metadata.Name, slice, ct);
        }
    }

    /// <summary>Removes this node's slice on a clean stop, so the node's pods do not send queries to a server that is gone.</summary>
    public static async Task UnpublishAsync(ApiClient api, KubeDnsPublication publish, ILogger logger)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await api.DeleteAsync<V1EndpointSlice>(Namespace, SliceName(publish.NodeName), timeout.Token);
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or OperationCanceledException)
        {
            Log.UnpublishFailed(logger, e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove this node's kube-dns EndpointSlice: {Reason}")]
        public static partial void UnpublishFailed(ILogger logger, string reason);
    }
}
