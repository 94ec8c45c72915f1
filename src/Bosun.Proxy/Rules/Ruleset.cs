using System.Text;

namespace Bosun.Proxy.Rules;

/// <summary>The rules of our chains in one table: chain name → its rules (<c>-A CHAIN …</c> lines), in order.</summary>
internal sealed class TableRules(string name)
{
    private readonly Dictionary<string, List<string>> chains = new(StringComparer.Ordinal);

    public string Name => name;

    public IReadOnlyDictionary<string, List<string>> Chains => chains;

    /// <summary>Declares a chain (possibly empty); rules are added with <see cref="Add"/>.</summary>
    public List<string> Chain(string chain)
    {
        if (!chains.TryGetValue(chain, out var rules)) chains[chain] = rules = [];
        return rules;
    }

    public void Add(string chain, string rule) => Chain(chain).Add($"-A {chain} {rule}");
}

/// <summary>The whole desired state of the proxy's chains: the <c>filter</c> and <c>nat</c> tables.</summary>
internal sealed class Ruleset
{
    public TableRules Filter { get; } = new("filter");
    public TableRules Nat { get; } = new("nat");

    public IEnumerable<TableRules> Tables => [Filter, Nat];

    /// <summary>The full iptables-restore input for these chains (every chain declared, so flushed, then filled).</summary>
    public override string ToString() => RestoreScript.Full(this, new Dictionary<string, IReadOnlySet<string>>());

    public int RuleCount => Tables.Sum(t => t.Chains.Values.Sum(r => r.Count));
}

/// <summary>
/// iptables-restore input (for <c>--noflush</c>) that moves the kernel from what we wrote last to
/// <paramref name="desired"/>: a chain is declared (which flushes it) and refilled only when its rules changed, and
/// chains we no longer want are flushed and deleted (<c>-X</c>) after every rule that jumped to them is rewritten.
/// </summary>
internal static class RestoreScript
{
    /// <summary>Writes every desired chain, and deletes <paramref name="stale"/> chains (table → names) found on the host.</summary>
    public static string Full(Ruleset desired, IReadOnlyDictionary<string, IReadOnlySet<string>> stale)
    {
        var sb = new StringBuilder();
        foreach (var table in desired.Tables)
        {
            var remove = stale.TryGetValue(table.Name, out var s) ? s.Where(c => !table.Chains.ContainsKey(c)).Order(StringComparer.Ordinal).ToList() : [];
            WriteTable(sb, table.Name, table.Chains.Keys.ToList(), table.Chains, remove);
        }
        return sb.ToString();
    }

    /// <summary>Only what changed between <paramref name="last"/> and <paramref name="desired"/>; empty when nothing did.</summary>
    public static string Diff(Ruleset last, Ruleset desired)
    {
        var sb = new StringBuilder();
        foreach (var (old, now) in last.Tables.Zip(desired.Tables))
        {
            var changed = now.Chains
                .Where(kv => !old.Chains.TryGetValue(kv.Key, out var before) || !before.SequenceEqual(kv.Value, StringComparer.Ordinal))
                .Select(kv => kv.Key).ToList();
            var removed = old.Chains.Keys.Where(c => !now.Chains.ContainsKey(c)).Order(StringComparer.Ordinal).ToList();
            if (changed.Count == 0 && removed.Count == 0) continue;
            WriteTable(sb, now.Name, changed, now.Chains, removed);
        }
        return sb.ToString();
    }

    /// <summary>Flushes and deletes the given chains (cleanup).</summary>
    public static string Delete(IReadOnlyDictionary<string, IReadOnlySet<string>> chains)
    {
        var sb = new StringBuilder();
        foreach (var (table, names) in chains.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (names.Count > 0) WriteTable(sb, table, [], new Dictionary<string, List<string>>(), names.Order(StringComparer.Ordinal).ToList());
        }
        return sb.ToString();
    }

    private static void WriteTable(StringBuilder sb, string table, List<string> write, IReadOnlyDictionary<string, List<string>> rules, List<string> remove)
    {
        sb.Append('*').Append(table).Append('\n');
        foreach (var chain in write.Concat(remove)) sb.Append(':').Append(chain).Append(" - [0:0]\n");
        foreach (var chain in write)
            foreach (var rule in rules[chain]) sb.Append(rule).Append('\n');
        foreach (var chain in remove) sb.Append("-X ").Append(chain).Append('\n');
        sb.Append("COMMIT\n");
    }
}
