namespace Bosun.Proxy.Iptables;

/// <summary>
/// The only rules the proxy puts in the built-in chains: one jump each into our chains (kube-proxy's
/// iptablesJumpChains). They are inserted first in their chain when missing, inside the same iptables-restore as a
/// full sync, and removed by cleanup; everything else lives in our own chains.
/// </summary>
internal static class JumpRules
{
    public sealed record Jump(string Table, string Chain, string Match, string Comment, string Target)
    {
        public string Spec => $"{Match}-m comment --comment \"{Comment}\" -j {Target}";
    }

    private const string New = "-m conntrack --ctstate NEW ";

    public static readonly Jump[] All =
    [
        new("filter", "INPUT", New, "kubernetes externally-visible service portals", "KUBE-EXTERNAL-SERVICES"),
        new("filter", "FORWARD", New, "kubernetes service portals", "KUBE-SERVICES"),
        new("filter", "FORWARD", New, "kubernetes externally-visible service portals", "KUBE-EXTERNAL-SERVICES"),
        new("filter", "FORWARD", "", "kubernetes forwarding rules", "KUBE-FORWARD"),
        new("filter", "OUTPUT", New, "kubernetes service portals", "KUBE-SERVICES"),
        new("nat", "PREROUTING", "", "kubernetes service portals", "KUBE-SERVICES"),
        new("nat", "OUTPUT", "", "kubernetes service portals", "KUBE-SERVICES"),
        new("nat", "POSTROUTING", "", "kubernetes postrouting rules", "KUBE-POSTROUTING"),
    ];

    /// <summary>
    /// Restore lines (<c>-I CHAIN 1 …</c>) for the jumps of <paramref name="table"/> missing from
    /// <paramref name="existing"/> (the saved <c>-A</c> lines of built-in chains that jump to our chains).
    /// </summary>
    public static List<string> Missing(string table, IReadOnlyList<string> existing)
    {
        var lines = new List<string>();
        // Inserted at position 1 in reverse, so several jumps in one chain keep the listed order.
        foreach (var j in All.Where(j => j.Table == table).Reverse())
        {
            var present = existing.Any(l => l.StartsWith($"-A {j.Chain} ", StringComparison.Ordinal)
                && l.EndsWith($"-j {j.Target}", StringComparison.Ordinal) && l.Contains(j.Comment, StringComparison.Ordinal));
            if (!present) lines.Add($"-I {j.Chain} 1 {j.Spec}");
        }
        return lines;
    }

    /// <summary>Restore lines deleting every saved jump into our chains (the saved text, with <c>-A</c> turned into <c>-D</c>).</summary>
    public static List<string> Deletions(IReadOnlyList<string> existing) => existing.Select(l => "-D" + l[2..]).ToList();
}
