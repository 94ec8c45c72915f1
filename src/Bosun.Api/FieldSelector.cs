using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Bosun.Api;

/// <summary>
/// An immutable, parsed field selector (<c>?fieldSelector=</c>): an AND of <c>f=v</c>, <c>f==v</c> and
/// <c>f!=v</c> terms with Kubernetes' backslash escaping. Which fields exist is per kind, so callers check
/// fields with <see cref="EnsureSupported"/> and supply values through a lookup when matching.
/// </summary>
public sealed class FieldSelector
{
    private readonly FieldRequirement[] requirements;

    private FieldSelector(FieldRequirement[] requirements)
    {
        this.requirements = requirements;
    }

    /// <summary>Matches every object.</summary>
    public static FieldSelector Everything { get; } = new([]);

    /// <summary>The terms, in Kubernetes' order (sorted by their source text).</summary>
    public IReadOnlyList<FieldRequirement> Requirements => requirements;

    public bool IsEmpty => requirements.Length == 0;

    /// <summary>Parses the string form; null or empty selects everything.</summary>
    /// <exception cref="SelectorParseException">A term has no operator or its value is badly escaped.</exception>
    public static FieldSelector Parse(string? selector)
    {
        if (string.IsNullOrEmpty(selector))
        {
            return Everything;
        }

        var terms = SplitTerms(selector);
        terms.Sort(StringComparer.Ordinal);
        var list = new List<FieldRequirement>(terms.Count);
        foreach (var term in terms)
        {
            if (term.Length == 0)
            {
                continue;
            }

            if (!SplitTerm(term, out var field, out var op, out var raw))
            {
                throw new SelectorParseException($"invalid selector: '{selector}'; can't understand '{term}'");
            }

            list.Add(new FieldRequirement(field, op, UnescapeValue(raw)));
        }

        return list.Count == 0 ? Everything : new FieldSelector([.. list]);
    }

    /// <summary>Parses without throwing; <paramref name="error"/> holds the Kubernetes-worded message on failure.</summary>
    public static bool TryParse(string? selector, [NotNullWhen(true)] out FieldSelector? result, [NotNullWhen(false)] out string? error)
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

    /// <summary>Whether an object is selected; <paramref name="getField"/> returns a field's value or null when absent.</summary>
    public bool Matches(Func<string, string?> getField)
    {
        ArgumentNullException.ThrowIfNull(getField);
        foreach (var requirement in requirements)
        {
            if (!requirement.Matches(getField(requirement.Field)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether an object whose selectable fields are given as a map is selected.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        foreach (var requirement in requirements)
        {
            if (!requirement.Matches(fields.TryGetValue(requirement.Field, out var value) ? value : null))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// If a term pins <paramref name="field"/> with <c>=</c>/<c>==</c>, returns its value; lets the
    /// server narrow a list to one name or namespace before filtering.
    /// </summary>
    public bool RequiresExactMatch(string field, [NotNullWhen(true)] out string? value)
    {
        foreach (var requirement in requirements)
        {
            if (requirement.Operator != FieldSelectorOperator.NotEquals && string.Equals(requirement.Field, field, StringComparison.Ordinal))
            {
                value = requirement.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>
    /// Throws for the first field not in <paramref name="supportedFields"/>, worded like the core kinds'
    /// field label conversion: <c>field label not supported: spec.foo</c>.
    /// </summary>
    public void EnsureSupported(IReadOnlySet<string> supportedFields)
    {
        ArgumentNullException.ThrowIfNull(supportedFields);
        foreach (var requirement in requirements)
        {
            if (!supportedFields.Contains(requirement.Field))
            {
                throw FieldLabelNotSupported(requirement.Field);
            }
        }
    }

    /// <summary>
    /// Throws for the first field other than metadata.name and metadata.namespace, worded like the default
    /// conversion used by kinds without extra selectable fields (e.g. custom resources).
    /// </summary>
    public void EnsureOnlyMetadataFields()
    {
        foreach (var requirement in requirements)
        {
            if (requirement.Field is not ("metadata.name" or "metadata.namespace"))
            {
                throw new SelectorParseException(
                    GoFormat.Quote(requirement.Field) + " is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
            }
        }
    }

    /// <summary>The error a core kind returns for a field it cannot select on.</summary>
    public static SelectorParseException FieldLabelNotSupported(string field) => new("field label not supported: " + field);

    /// <summary>Escapes backslash, comma and equals so a value survives a round trip through the string form.</summary>
    public static string EscapeValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\\', ',', '=') < 0)
        {
            return value;
        }

        return value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace(",", "\\,", StringComparison.Ordinal)
            .Replace("=", "\\=", StringComparison.Ordinal);
    }

    /// <summary>Reverses <see cref="EscapeValue"/>; unknown escapes and bare ',' or '=' are errors, as in Kubernetes.</summary>
    /// <exception cref="SelectorParseException">The value is badly escaped.</exception>
    public static string UnescapeValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\\', ',', '=') < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length);
        var inSlash = false;
        foreach (var rune in value.EnumerateRunes())
        {
            if (inSlash)
            {
                if (rune.Value is not ('\\' or ',' or '='))
                {
                    throw new SelectorParseException("invalid field selector: invalid escape sequence: \\" + rune);
                }

                sb.Append(rune.ToString());
                inSlash = false;
                continue;
            }

            switch (rune.Value)
            {
                case '\\':
                    inSlash = true;
                    break;
                case ',' or '=':
                    // Go formats the rune with %v, i.e. as its code point number.
                    throw new SelectorParseException("invalid field selector: unescaped character in value: " + rune.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                default:
                    sb.Append(rune.ToString());
                    break;
            }
        }

        if (inSlash)
        {
            throw new SelectorParseException("invalid field selector: invalid escape sequence: \\");
        }

        return sb.ToString();
    }

    /// <summary>Canonical form: terms joined by commas, values escaped; empty for Everything.</summary>
    public override string ToString() => string.Join(",", requirements.Select(r => r.ToString()));

    /// <summary>Splits on commas that are not escaped; escapes stay in the terms for later unescaping.</summary>
    private static List<string> SplitTerms(string selector)
    {
        var terms = new List<string>(1);
        var start = 0;
        var inSlash = false;
        for (var i = 0; i < selector.Length; i++)
        {
            var c = selector[i];
            if (inSlash)
            {
                inSlash = false;
            }
            else if (c == '\\')
            {
                inSlash = true;
            }
            else if (c == ',')
            {
                terms.Add(selector[start..i]);
                start = i + 1;
            }
        }

        terms.Add(selector[start..]);
        return terms;
    }

    /// <summary>Splits at the first operator; "!=" and "==" are tried before "=" so no '=' leaks into the value.</summary>
    private static bool SplitTerm(string term, out string field, out FieldSelectorOperator op, out string value)
    {
        for (var i = 0; i < term.Length; i++)
        {
            var rest = term.AsSpan(i);
            if (rest.StartsWith("!="))
            {
                (field, op, value) = (term[..i], FieldSelectorOperator.NotEquals, term[(i + 2)..]);
                return true;
            }

            if (rest.StartsWith("=="))
            {
                (field, op, value) = (term[..i], FieldSelectorOperator.DoubleEquals, term[(i + 2)..]);
                return true;
            }

            if (rest[0] == '=')
            {
                (field, op, value) = (term[..i], FieldSelectorOperator.Equals, term[(i + 1)..]);
                return true;
            }
        }

        (field, op, value) = ("", FieldSelectorOperator.Equals, "");
        return false;
    }
}
