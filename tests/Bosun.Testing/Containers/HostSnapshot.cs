namespace Bosun.Testing.Containers;

/// <summary>
/// The host state a containerd test may change: links, iptables (nat and filter) and ip_forward. Other tests on the
/// same machine change it too, so <see cref="LeftoversOf"/> only reports lines that are new <em>and</em> name one of
/// our own markers (bridge, subnet, sandbox ids).
/// </summary>
public sealed record HostSnapshot(IReadOnlySet<string> Links, IReadOnlySet<string> IptablesLines, IReadOnlySet<string> NftTables, string IpForward)
{
    public static HostSnapshot Take() => new(
        HostCommand.Run("ip", "-o", "link", "show").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 3)[1].Trim().Split('@')[0] + " " + (l.Contains(" master ") ? l[(l.IndexOf(" master ", StringComparison.Ordinal) + 8)..].Split(' ')[0] : ""))
            .ToHashSet(),
        HostCommand.Run("iptables-save").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.StartsWith(':') ? l.Split(' ')[0] : l)   // drop packet counters from chain lines
            .ToHashSet(),
        HostCommand.Run("nft", "list", "tables").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(),
        File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim());

    /// <summary>What is in <paramref name="after"/> but not in this snapshot and mentions one of <paramref name="markers"/>.</summary>
    public IReadOnlyList<string> LeftoversOf(HostSnapshot after, IReadOnlyList<string> markers) =>
        after.Links.Except(Links).Concat(after.IptablesLines.Except(IptablesLines))
            .Where(l => markers.Any(m => l.Contains(m, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();
}
