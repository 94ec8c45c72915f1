namespace Bosun.Proxy.Iptables;

/// <summary>The iptables commands the proxy needs; the boundary between its decisions and the kernel.</summary>
public interface IIptables
{
    /// <summary><c>iptables-restore --noflush</c> of <paramref name="input"/>: all of it or nothing (throws on failure).</summary>
    Task RestoreAsync(string input, CancellationToken ct);

    /// <summary><c>iptables-save -t table</c>.</summary>
    Task<string> SaveAsync(string table, CancellationToken ct);

    /// <summary>Runs <c>iptables -w args</c>; false when it exits non-zero (e.g. <c>-C</c> of a missing rule).</summary>
    Task<bool> RunAsync(IReadOnlyList<string> args, CancellationToken ct);

    /// <summary>Sets an IPv4 sysctl such as <c>net.ipv4.conf.all.route_localnet</c> in the proxy's network namespace.</summary>
    Task SetSysctlAsync(string name, string value, CancellationToken ct);
}
