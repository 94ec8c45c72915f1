using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Bosun.Api;

/// <summary>
/// An immutable, parsed label selector (the <c>?labelSelector=</c> string or a <see cref="V1LabelSelector"/>):
/// an AND of requirements, matched per object with Kubernetes semantics and without allocating.
/// </summary>
public sealed class LabelSelector
{
    private readonly LabelRequirement[] requirements;
    private readonly bool matchesNothing;

    private LabelSelector(LabelRequirement[] requirements, bool matchesNothing)
    {
        this.requirements = requirements;
        this.matchesNothing = matchesNothing;
    }

    /// <summary>Matches every object (the empty selector).</summary>
    public static LabelSelector Everything { get; } = new([], false);

    /// <summary>Matches no object (what a null <see cref="V1LabelSelector"/> means).</summary>
    public static LabelSelector Nothing { get; } = new([], true);

    /// <summary>The requirements, sorted by key as Kubernetes sorts them.</summary>
    public IReadOnlyList<LabelRequirement> Requirements => requirements;

    /// <summary>True when the selector selects everything.</summary>
    public bool IsEmpty => requirements.Length == 0 && !matchesNothing;

    /// <summary>Parses the string form; null, empty or blank selects everything.</summary>
    /// <exception cref="SelectorParseException">The selector is malformed or names an invalid key or value.</exception>
    public static LabelSelector Parse(string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return Everything;
        }

        var parsed = LabelSelectorParser.Parse(selector);
        return parsed.Count == 0 ? Everything : FromRequirements(parsed);
    }

    /// <summary>Parses without throwing; <paramref name="error"/> holds the Kubernetes-worded message on failure.</summary>
    public static bool TryParse(string? selector, [NotNullWhen(true)] out LabelSelector? result, [NotNullWhen(false)] out string? error)
    {
        try
        {
            result = Parse(selector);
            error = null;
            return true;
        }
        catch (SelectorParseException e)
        {
            result = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>Parses without throwing.</summary>
    public static bool TryParse(string? selector, [NotNullWhen(true)] out LabelSelector? result) =>
        TryParse(selector, out result, out _);

    /// <summary>
    /// Converts the structured form used in object specs: null selects nothing, an empty selector
    /// selects everything, matchLabels become <c>=</c> requirements and matchExpressions their operators.
    /// </summary>
    /// <exception cref="SelectorParseException">A key, value or operator is invalid.</exception>
    public static LabelSelector FromLabelSelector(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return Nothing;
        }

        var labelCount = selector.MatchLabels?.Count ?? 0;
        var expressionCount = selector.MatchExpressions?.Count ?? 0;
        if (labelCount + expressionCount == 0)
        {
            return Everything;
        }

        var list = new List<LabelRequirement>(labelCount + expressionCount);
        if (selector.MatchLabels is not null)
        {
            // Go iterates the map in random order; sorting makes the first reported error deterministic.
            foreach (var (key, value) in selector.MatchLabels.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                list.Add(LabelRequirement.Create(key, SelectorOperator.Equals, [value ?? ""]));
            }
        }

        foreach (var expression in selector.MatchExpressions ?? [])
        {
            var op = expression.OperatorProperty switch
            {
                "In" => SelectorOperator.In,
                "NotIn" => SelectorOperator.NotIn,
                "Exists" => SelectorOperator.Exists,
                "DoesNotExist" => SelectorOperator.DoesNotExist,
                _ => throw new SelectorParseException(GoFormat.Quote(expression.OperatorProperty ?? "") + " is not a valid label selector operator"),
            };
            list.Add(LabelRequirement.Create(expression.Key ?? "", op, expression.Values));
        }

        return FromRequirements(list);
    }

    /// <summary>Builds a selector from requirements, sorting them by key (stable) like Kubernetes.</summary>
    public static LabelSelector FromRequirements(IEnumerable<LabelRequirement> requirements)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        var sorted = requirements.OrderBy(r => r.Key, StringComparer.Ordinal).ToArray();
        return sorted.Length == 0 ? Everything : new LabelSelector(sorted, false);
    }

    /// <summary>Whether an object with these labels is selected; null labels count as no labels.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        if (matchesNothing)
        {
            return false;
        }

        foreach (var requirement in requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether an object whose <c>metadata.labels</c> is this JSON object is selected; null counts as no labels.</summary>
    public bool Matches(JsonObject? labels)
    {
        if (matchesNothing)
        {
            return false;
        }

        foreach (var requirement in requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Canonical string form: requirements sorted by key, comma separated; empty for Everything and Nothing.</summary>
    public override string ToString() => string.Join(",", requirements.Select(r => r.ToString()));
}
