using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Bootstrap;

/// <summary>
/// kube-apiserver's lease endpoint reconciler: each API server keeps a Lease of its own in <c>kube-system</c>
/// (label <c>apiserver.kubernetes.io/identity=kube-apiserver</c>, its address in an annotation) renewed every
/// <see cref="RenewInterval"/>, and sets the <c>default/kubernetes</c> Endpoints and EndpointSlice to the addresses of
/// the Leases that have not expired. So the Endpoints name every live server, and a server that died drops out once
/// its Lease runs out. Agents read them to learn where else they can go.
/// </summary>
internal sealed class ApiServerEndpointReconciler(ResourceCatalog catalog, IPAddress address, int port, TimeProvider time, ILogger log)
{
    public const string IdentityLabel = "apiserver.kubernetes.io/identity";
    public const string AddressAnnotation = "bosun.io/advertise-address";
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(5);
    private const string LeaseNamespace = "kube-system";

    private GenericStore Leases => catalog.Get("coordination.k8s.io", "v1", "leases");

    /// <summary><c>apiserver-</c> and a hash of the advertised address and port: stable across restarts of one server.</summary>
    public string LeaseName { get; } = "apiserver-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{address}:{port}")))[..16];

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(RenewInterval, time, ct);
            try
            {
                await RenewAndReconcileAsync(ct);
            }
            catch (Exception e) when (e is ApiException or Bosun.Storage.StorageException)
            {
                log.LogWarning("renewing this API server's Lease or the kubernetes Endpoints failed: {Error}", e.Message);
            }
        }
    }

    public async Task RenewAndReconcileAsync(CancellationToken ct)
    {
        await RenewAsync(ct);
        await ReconcileAsync(ct);
    }

    /// <summary>On a clean stop: drop this server's Lease and its address from the Endpoints at once.</summary>
    public async Task RemoveAsync(CancellationToken ct)
    {
        try
        {
            await Leases.DeleteAsync(LeaseNamespace, LeaseName, new DeleteOptions(), ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            // Already gone.
        }
        await ReconcileAsync(ct);
    }

    private async Task RenewAsync(CancellationToken ct)
    {
        var now = MicroTime(time.GetUtcNow());
        var lease = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = LeaseName,
                ["labels"] = new JsonObject { [IdentityLabel] = "kube-apiserver" },
                ["annotations"] = new JsonObject { [AddressAnnotation] = Endpoint(address, port) },
            },
            ["spec"] = new JsonObject
            {
                ["holderIdentity"] = LeaseName,
                ["leaseDurationSeconds"] = (int)LeaseDuration.TotalSeconds,
                ["renewTime"] = now,
            },
        };
        try
        {
            await Leases.UpdateAsync(LeaseNamespace, LeaseName, UpdateKind.Main, current =>
            {
                current["metadata"]!["annotations"] = lease["metadata"]!["annotations"]!.DeepClone();
                current["spec"] = lease["spec"]!.DeepClone();
                return current;
            }, new WriteOptions(), ct);
        }
        catch (ApiException e) when (e.Code == 404)
        {
            lease["spec"]!["acquireTime"] = now;
            await Leases.CreateAsync(LeaseNamespace, lease, new WriteOptions(), ct);
        }
    }

    private async Task ReconcileAsync(CancellationToken ct)
    {
        var leases = await Leases.ListAsync(LeaseNamespace, new ListOptions(), ct);
        var live = LiveEndpoints(leases.Items, time.GetUtcNow());
        await KubernetesService.SetEndpointsAsync(catalog, live, ct);
    }

    /// <summary>The (address, port) of every API server Lease that has not expired, sorted so that every server writes the same Endpoints.</summary>
    public static List<(IPAddress Address, int Port)> LiveEndpoints(IEnumerable<JsonObject> leases, DateTimeOffset now)
    {
        var live = new List<(IPAddress, int)>();
        foreach (var lease in leases)
        {
            var meta = lease.Obj("metadata");
            if (meta?.Obj("labels")?.Str(IdentityLabel) != "kube-apiserver") continue;
            if (meta.Obj("annotations")?.Str(AddressAnnotation) is not { } endpoint || !IPEndPoint.TryParse(endpoint, out var parsed)) continue;
            var spec = lease.Obj("spec");
            if (!DateTimeOffset.TryParse(spec?.Str("renewTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var renewed)) continue;
            if (renewed + TimeSpan.FromSeconds(spec!.Long("leaseDurationSeconds") ?? 0) <= now) continue;
            live.Add((parsed.Address, parsed.Port));
        }
        return live.Distinct().OrderBy(e => e.Item2).ThenBy(e => e.Item1.ToString(), StringComparer.Ordinal).ToList();
    }

    private static string Endpoint(IPAddress ip, int port) =>
        ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]:{port}" : $"{ip}:{port}";

    private static string MicroTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
