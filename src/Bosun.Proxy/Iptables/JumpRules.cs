namespace Bosun.Proxy.Iptables;

/// <summary>
/// The only rules the proxy puts in the built-in chains: one jump each into our chains (kube-proxy's
/// iptablesJumpChains). They are inserted once, first in their chain, and removed by cleanup; everything else lives in
/// our own chains.
/// </summary>
internal static class JumpRules
{
    public sealed record Jump(string Table, string Chain, string[] Spec);

    public static readonly Jump[] All =
    [
        new("filter", "INPUT", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes externally-visible service portals", "-j", "KUBE-EXTERNAL-SERVICES"]),
        new("filter", "FORWARD", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"]),
        new("filter", "FORWARD", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes externally-visible service portals", "-j", "KUBE-EXTERNAL-SERVICES"]),
        new("filter", "FORWARD", ["-m", "comment", "--comment", "kubernetes forwarding rules", "-j", "KUBE-FORWARD"]),
        new("filter", "OUTPUT", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"]),
        new("nat", "PREROUTING", ["-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"]),
        new("nat", "OUTPUT", ["-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"]),
        new("nat", "POSTROUTING", ["-m", "comment", "--comment", "kubernetes postrouting rules", "-j", "KUBE-POSTROUTING"]),
    ];

    /// <summary>Inserts each jump that is missing (checked with <c>-C</c>), at the top of its chain.</summary>
    public static async Task EnsureAsync(IIptables iptables, CancellationToken ct)
    {
        // Reverse order of insertion keeps the listed order when several go into one chain.
        foreach (var j in All.Reverse())
        {
            if (!await iptables.RunAsync(["-t", j.Table, "-C", j.Chain, .. j.Spec], ct))
            {
                if (!await iptables.RunAsync(["-t", j.Table, "-I", j.Chain, "1", .. j.Spec], ct))
                    throw new IptablesException($"could not add the jump from {j.Table}/{j.Chain} to {j.Spec[^1]}", null);
            }
        }
    }

    /// <summary>Deletes every copy of each jump; missing ones are fine.</summary>
    public static async Task RemoveAsync(IIptables iptables, CancellationToken ct)
    {
        foreach (var j in All)
        {
            for (var i = 0; i < 10 && await iptables.RunAsync(["-t", j.Table, "-D", j.Chain, .. j.Spec], ct); i++) { }
        }
    }
}
