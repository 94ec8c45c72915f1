using Bosun.Client.Processes;
using System.Net;
using System.Text.Json;

namespace Bosun.Agent.Network;

/// <summary>
/// <see cref="IHostNetwork"/> through <c>ip</c> and the iptables tools. Our routes carry protocol number
/// <see cref="RouteProtocol"/>, so the agent finds them again after a restart (and <c>--cleanup</c> finds them at
/// all) without a state file, and never mistakes a route someone else added for one of ours.
/// </summary>
internal sealed class HostNetworkCommands : IHostNetwork
{
    /// <summary>A number of our own in <c>rtnetlink</c>'s protocol field (flannel and calico use their own likewise).</summary>
    public const string RouteProtocol = "150";

    public async Task<IReadOnlyList<PodRoute>> ListRoutesAsync(CancellationToken ct)
    {
        var json = await RunAsync("ip", ["-4", "-j", "route", "show", "table", "main", "proto", RouteProtocol], null, ct);
        return Parse(json);
    }

    public Task ReplaceRouteAsync(PodRoute route, CancellationToken ct) =>
        RunAsync("ip", ["-4", "route", "replace", route.Destination.ToString(), "via", route.Gateway.ToString(), "proto", RouteProtocol], null, ct);

    public Task DeleteRouteAsync(PodRoute route, CancellationToken ct) =>
        RunAsync("ip", ["-4", "route", "del", route.Destination.ToString(), "via", route.Gateway.ToString(), "proto", RouteProtocol], null, ct);

    public Task<string> SaveNatAsync(CancellationToken ct) => RunAsync("iptables-save", ["-t", "nat"], null, ct);

    public Task RestoreAsync(string script, CancellationToken ct) => RunAsync("iptables-restore", ["--noflush", "-w", "5"], script, ct);

    /// <summary><c>ip -j route</c> output → routes with a gateway (a route without one is not of ours).</summary>
    public static IReadOnlyList<PodRoute> Parse(string json)
    {
        if (string.IsNullOrWhiteSpace(json)) return [];
        var routes = new List<PodRoute>();
        using var doc = JsonDocument.Parse(json);
        foreach (var r in doc.RootElement.EnumerateArray())
        {
            if (!r.TryGetProperty("dst", out var dst) || !r.TryGetProperty("gateway", out var gw)) continue;
            var text = dst.GetString() ?? "";
            if (!text.Contains('/')) text += "/32";   // ip prints host routes without a prefix length
            if (IPNetwork.TryParse(text, out var network) && IPAddress.TryParse(gw.GetString(), out var gateway))
                routes.Add(new PodRoute(network, gateway));
        }
        return routes;
    }

    private static async Task<string> RunAsync(string tool, IReadOnlyList<string> args, string? stdin, CancellationToken ct)
    {
        var r = await ProcessRunner.RunAsync(tool, args, ct, stdin);
        return r.Succeeded ? r.Stdout : throw new HostNetworkException(r.FailureMessage);
    }
}
