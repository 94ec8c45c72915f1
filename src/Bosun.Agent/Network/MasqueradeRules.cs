using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Bosun.Agent.Network;

/// <summary>
/// flannel's masquerade rules as <c>iptables-restore --noflush</c> scripts for the nat table, in a chain of our own per
/// cluster CIDR (so that two clusters' agents on one host never share one): traffic from the pod network to the pod
/// network keeps its pod source address (pods see each other's real IPs across nodes); traffic from the pod network
/// to anywhere else (not multicast) leaves with the node's address. The CNI bridge's own <c>ipMasq</c> is off when
/// this runs: it would masquerade everything outside the node's own /24, other nodes' pods included.
/// </summary>
internal static class MasqueradeRules
{
    public const string ChainPrefix = "BOSUN-MASQ-";
    private const string JumpComment = "bosun pod network masquerade";

    /// <summary><c>BOSUN-MASQ-</c> and 8 hex digits of the CIDR's hash: under iptables' 28-character limit.</summary>
    public static string Chain(IPNetwork clusterCidr) =>
        ChainPrefix + Convert.ToHexString(SHA256.HashData(Encoding.ASCII.GetBytes(clusterCidr.ToString())))[..8];

    /// <summary>Rewrites our chain (declaring it flushes it) and adds the jump from POSTROUTING when <paramref name="savedNat"/> lacks it.</summary>
    public static string Sync(IPNetwork clusterCidr, string savedNat)
    {
        var chain = Chain(clusterCidr);
        var cidr = clusterCidr.ToString();
        var script = new StringBuilder();
        script.Append("*nat\n");
        script.Append($":{chain} - [0:0]\n");
        script.Append($"-A {chain} -s {cidr} -d {cidr} -m comment --comment \"pod to pod: no NAT\" -j RETURN\n");
        script.Append($"-A {chain} -s {cidr} ! -d 224.0.0.0/4 -m comment --comment \"leaving the pod network\" -j MASQUERADE\n");
        if (Jumps(savedNat, chain).Count == 0) script.Append($"-A POSTROUTING -m comment --comment \"{JumpComment}\" -j {chain}\n");
        script.Append("COMMIT\n");
        return script.ToString();
    }

    /// <summary>Deletes our jumps and chain as <paramref name="savedNat"/> shows them; empty when there is nothing of ours.</summary>
    public static string Delete(IPNetwork clusterCidr, string savedNat)
    {
        var chain = Chain(clusterCidr);
        var jumps = Jumps(savedNat, chain);
        var declared = Lines(savedNat).Any(l => l.StartsWith($":{chain} ", StringComparison.Ordinal));
        if (jumps.Count == 0 && !declared) return "";
        var script = new StringBuilder("*nat\n");
        foreach (var jump in jumps) script.Append("-D ").Append(jump["-A ".Length..]).Append('\n');
        if (declared) script.Append($":{chain} - [0:0]\n-X {chain}\n");
        script.Append("COMMIT\n");
        return script.ToString();
    }

    /// <summary>The chain's rules as saved (for tests and diagnostics).</summary>
    public static IReadOnlyList<string> Rules(IPNetwork clusterCidr, string savedNat) =>
        [.. Lines(savedNat).Where(l => l.StartsWith($"-A {Chain(clusterCidr)} ", StringComparison.Ordinal))];

    private static List<string> Jumps(string savedNat, string chain) =>
        [.. Lines(savedNat).Where(l => l.StartsWith("-A ", StringComparison.Ordinal) && !l.StartsWith($"-A {chain} ", StringComparison.Ordinal) && l.EndsWith($"-j {chain}", StringComparison.Ordinal))];

    private static IEnumerable<string> Lines(string saved) => saved.Split('\n').Select(l => l.TrimEnd('\r'));
}
