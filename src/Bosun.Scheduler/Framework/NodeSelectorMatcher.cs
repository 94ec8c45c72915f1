using System.Globalization;
using k8s.Models;

namespace Bosun.Scheduler.Framework;

/// <summary>
/// Node selector terms (OR of terms, AND of a term's requirements) with the node operators In, NotIn, Exists,
/// DoesNotExist, Gt and Lt, and the <c>metadata.name</c> field. A term with no requirements matches nothing.
/// </summary>
public sealed class NodeSelectorMatcher
{
    private readonly Term[] terms;

    private sealed record Requirement(string Key, string Op, HashSet<string> Values, long Number, bool IsField);

    private sealed record Term(Requirement[] Requirements);

    public NodeSelectorMatcher(IEnumerable<V1NodeSelectorTerm> selectorTerms)
    {
        terms = selectorTerms.Select(Compile).ToArray();
    }

    private static Term Compile(V1NodeSelectorTerm term)
    {
        var list = new List<Requirement>();
        foreach (var e in term.MatchExpressions ?? []) list.Add(CompileRequirement(e, isField: false));
        foreach (var e in term.MatchFields ?? []) list.Add(CompileRequirement(e, isField: true));
        return new Term([.. list]);
    }

    private static Requirement CompileRequirement(V1NodeSelectorRequirement e, bool isField)
    {
        var values = new HashSet<string>(e.Values ?? []);
        long number = 0;
        var ok = e.OperatorProperty is not ("Gt" or "Lt") ||
            (e.Values is { Count: 1 } && long.TryParse(e.Values[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out number));
        return new Requirement(e.Key, ok ? e.OperatorProperty : "Invalid", values, number, isField);
    }

    public bool Matches(NodeInfo node)
    {
        foreach (var term in terms)
            if (TermMatches(term, node)) return true;
        return false;
    }

    /// <summary>Whether one preferred term matches (used by scoring, term by term).</summary>
    internal bool TermMatches(int index, NodeInfo node) => TermMatches(terms[index], node);

    internal int TermCount => terms.Length;

    private static bool TermMatches(Term term, NodeInfo node)
    {
        if (term.Requirements.Length == 0) return false;
        foreach (var r in term.Requirements)
        {
            string? value;
            bool has;
            if (r.IsField)
            {
                has = r.Key == "metadata.name";
                value = has ? node.Name : null;
            }
            else
            {
                value = null;
                has = node.Labels.TryGetValue(r.Key, out value);
            }
            var ok = r.Op switch
            {
                "In" => has && r.Values.Contains(value!),
                "NotIn" => !has || !r.Values.Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                "Gt" => has && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) && g > r.Number,
                "Lt" => has && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) && l < r.Number,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }
}
