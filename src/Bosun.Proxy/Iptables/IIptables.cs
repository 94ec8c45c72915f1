namespace Bosun.Proxy.Iptables;

/// <summary>The iptables commands the proxy needs; the boundary between its decisions and the kernel.</summary>
public interface IIptables
{
    /// <summary><c>iptables-restore --noflush</c> of <paramref name="input"/>: all of it or nothing (throws on failure).</summary>
    Task RestoreAsync(string input, CancellationToken ct);

    /// <summary><c>iptables-save</c> of every table.</summary>
    Task<string> SaveAsync(CancellationToken ct);

    /// <summary>Sets an IPv4 sysctl such as <c>net.ipv4.conf.all.route_localnet</c> in the proxy's network namespace.</summary>
    Task SetSysctlAsync(string name, string value, CancellationToken ct);
}
