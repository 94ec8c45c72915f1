using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Bosun.Client;

/// <summary>
/// Keeps a <see cref="ServerFailover"/> list in step with the API servers the cluster knows of: every server registers
/// its address in the <c>default/kubernetes</c> Endpoints while it is alive, so a client started with one URL learns
/// the others and can move to them when that one dies (k3s' agent does the same).
/// </summary>
public static class ApiServerEndpoints
{
    /// <summary>The <c>https://address:port</c> of every address in the Endpoints' subsets, in order (port named https, else the first).</summary>
    public static List<Uri> ServersFrom(V1Endpoints endpoints)
    {
        var servers = new List<Uri>();
        foreach (var subset in endpoints.Subsets ?? [])
        {
            var port = subset.Ports?.FirstOrDefault(p => p.Name == "https") ?? subset.Ports?.FirstOrDefault();
            if (port is null) continue;
            foreach (var address in subset.Addresses ?? [])
            {
                if (!IPAddress.TryParse(address.Ip, out var ip)) continue;
                var host = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
                servers.Add(new Uri($"https://{host}:{port.Port}/"));
            }
        }
        return servers;
    }

    /// <summary>
    /// Watches the <c>default/kubernetes</c> Endpoints (an informer on that one object, which servers rewrite only when
    /// the set of live servers changes) and updates <paramref name="failover"/>; runs until cancelled.
    /// </summary>
    public static async Task FollowAsync(ApiClient api, ServerFailover failover, ILogger log, TimeProvider time, CancellationToken ct)
    {
        IReadOnlyList<Uri> last = [];
        void Update(V1Endpoints endpoints)
        {
            var servers = ServersFrom(endpoints);
            if (servers.Count == 0 || servers.SequenceEqual(last)) return;
            failover.SetServers(servers);
            log.LogInformation("API servers: {Servers} (using {Current})", string.Join(", ", failover.Servers), failover.Current);
            last = servers;
        }
        var informer = new Informer<V1Endpoints>(api, log, time, "default", new ListQuery(FieldSelector: "metadata.name=kubernetes"))
            .On(added: Update, updated: (_, e) => Update(e));
        await informer.RunAsync(ct).ConfigureAwait(false);
    }
}
