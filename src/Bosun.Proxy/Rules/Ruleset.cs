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
