using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Bootstrap;

/// <summary>
/// The <c>default/kubernetes</c> Service that lets pods reach the API server: first IP of the service CIDR, port 443
/// (https) to the server's port, with Endpoints and an EndpointSlice naming the live servers' addresses, as
/// kube-apiserver's bootstrap controller keeps them. Written at every start so a changed port is corrected.
/// </summary>
internal static class KubernetesService
{
    private const string Ns = "default";
    private const string Name = "kubernetes";

    public static async Task EnsureAsync(ResourceCatalog catalog, IPAddress clusterIp, int port, CancellationToken ct)
    {
        var service = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = Name,
                ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
            },
            ["spec"] = new JsonObject
            {
                ["type"] = "ClusterIP",
                ["clusterIP"] = clusterIp.ToString(),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = port }),
                ["sessionAffinity"] = "None",
            },
        };
        await UpsertAsync(catalog.Get("", "v1", "services"), service, (current, desired) =>
        {
            // The cluster IP is immutable and already allocated: only the ports follow the server.
            current.Obj("spec")!["ports"] = desired.Obj("spec")!["ports"]!.DeepClone();
            return current;
        }, ct);

    }

    /// <summary>
    /// Points the Endpoints and EndpointSlice at the live API servers (see <see cref="ApiServerEndpointReconciler"/>):
    /// one Endpoints subset per port, so servers listening on different ports are all listed; the slice, which has one
    /// port list, names the servers on the lowest port.
    /// </summary>
    public static async Task SetEndpointsAsync(ResourceCatalog catalog, IReadOnlyList<(IPAddress Address, int Port)> servers, CancellationToken ct)
    {
        if (servers.Count == 0) return;
        var subsets = new JsonArray();
        foreach (var group in servers.GroupBy(s => s.Port))
            subsets.Add(new JsonObject
            {
                ["addresses"] = new JsonArray(group.Select(s => (JsonNode)new JsonObject { ["ip"] = s.Address.ToString() }).ToArray()),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = group.Key, ["protocol"] = "TCP" }),
            });
        var endpoints = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Name, ["labels"] = new JsonObject { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            ["subsets"] = subsets,
        };
        await UpsertAsync(catalog.Get("", "v1", "endpoints"), endpoints, Replace("subsets"), ct);

        var port = servers[0].Port;
        var family = servers[0].Address.AddressFamily;
        var slice = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = Name,
                ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = Name, ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io" },
            },
            ["addressType"] = family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4",
            ["endpoints"] = new JsonArray(servers.Where(s => s.Port == port && s.Address.AddressFamily == family).Select(s => (JsonNode)new JsonObject
            {
                ["addresses"] = new JsonArray(s.Address.ToString()),
                ["conditions"] = new JsonObject { ["ready"] = true },
            }).ToArray()),
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port, ["protocol"] = "TCP" }),
        };
        await UpsertAsync(catalog.Get("discovery.k8s.io", "v1", "endpointslices"), slice, Replace("addressType", "endpoints", "ports"), ct);
    }

    /// <summary>The address pods should use: the bind address when specific, else the host's first non-loopback IPv4 (loopback as a last resort).</summary>
    public static IPAddress AdvertiseAddress(IPAddress bind)
    {
        if (!bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any)) return bind;
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
                .SelectMany(n => n.GetIPProperties().UnicastAddresses)
                .Select(a => a.Address)
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
                ?? IPAddress.Loopback;
        }
        catch (NetworkInformationException)
        {
            return IPAddress.Loopback;
        }
    }

    private static Func<JsonObject, JsonObject, JsonObject> Replace(params string[] fields) => (current, desired) =>
    {
        foreach (var f in fields) current[f] = desired[f]?.DeepClone();
        return current;
    };

    private static async Task UpsertAsync(GenericStore store, JsonObject desired, Func<JsonObject, JsonObject, JsonObject> merge, CancellationToken ct)
    {
        // Look first: creating the Service again would fail on its own cluster IP (422) before it could fail as existing.
        try
        {
            await store.GetAsync(Ns, Name, ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            try
            {
                await store.CreateAsync(Ns, desired.DeepClone().AsObject(), new WriteOptions(), ct);
                return;
            }
            catch (ApiException exists) when (exists.Code == 409)
            {
                // Created meanwhile; fall through to the update.
            }
        }
        await store.UpdateAsync(Ns, Name, UpdateKind.Main, current => merge(current, desired), new WriteOptions(), ct);
    }
}
