using Bosun.Proxy.Rules;

namespace Bosun.Proxy.Iptables;

/// <summary>
/// What one <c>iptables-save</c> (all tables) says about the proxy's footprint: our chains per table, and the rules
/// in built-in chains that jump into our chains. One save per full sync replaces a process per check.
/// </summary>
internal sealed class SavedTables
{
    private static readonly HashSet<string> BuiltIn = ["INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"];

    public Dictionary<string, IReadOnlySet<string>> OurChains { get; } = new(StringComparer.Ordinal);

    /// <summary>Table → <c>-A CHAIN …</c> lines in built-in chains whose target is one of our chains.</summary>
    public Dictionary<string, List<string>> Jumps { get; } = new(StringComparer.Ordinal);

    public static SavedTables Parse(string save)
    {
        var result = new SavedTables();
        string? table = null;
        foreach (var raw in save.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('*'))
            {
                table = line[1..];
                result.OurChains[table] = new HashSet<string>(StringComparer.Ordinal);
                result.Jumps[table] = [];
            }
            else if (table is null) continue;
            else if (line.StartsWith(':'))
            {
                var chain = line[1..].Split(' ')[0];
                if (ChainNames.IsOurs(chain)) ((HashSet<string>)result.OurChains[table]).Add(chain);
            }
            else if (line.StartsWith("-A "))
            {
                var parts = line.Split(' ');
                var target = Array.IndexOf(parts, "-j") is var j and >= 0 && j + 1 < parts.Length ? parts[j + 1] : null;
                if (BuiltIn.Contains(parts[1]) && target is not null && ChainNames.IsOurs(target)) result.Jumps[table].Add(line);
            }
        }
        foreach (var t in (string[])["filter", "nat"])
        {
            result.OurChains.TryAdd(t, new HashSet<string>());
            result.Jumps.TryAdd(t, []);
        }
        return result;
    }
}
