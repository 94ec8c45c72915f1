namespace Bosun.Agent.Network;

/// <summary>The kernel side of the pod network: routes we own (by their protocol number) and the nat table.</summary>
internal interface IHostNetwork
{
    /// <summary>IPv4 routes in the main table marked with our protocol number.</summary>
    Task<IReadOnlyList<PodRoute>> ListRoutesAsync(CancellationToken ct);

    Task ReplaceRouteAsync(PodRoute route, CancellationToken ct);

    Task DeleteRouteAsync(PodRoute route, CancellationToken ct);

    /// <summary><c>iptables-save -t nat</c>.</summary>
    Task<string> SaveNatAsync(CancellationToken ct);

    /// <summary><c>iptables-restore --noflush</c>: all of the script or nothing.</summary>
    Task RestoreAsync(string script, CancellationToken ct);
}

/// <summary>A host tool failed (<c>ip</c>, <c>iptables-restore</c>).</summary>
internal sealed class HostNetworkException(string message) : Exception(message);
