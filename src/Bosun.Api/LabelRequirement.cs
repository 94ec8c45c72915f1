using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Api;

/// <summary>
/// One clause of a label selector (key, operator, values), validated on construction the way
/// Kubernetes' labels.NewRequirement validates, and matched with Kubernetes semantics.
/// </summary>
public sealed class LabelRequirement
{
    private readonly string[] values;
    private readonly long integerValue;

    private LabelRequirement(string key, SelectorOperator op, string[] values, long integerValue)
    {
        Key = key;
        Operator = op;
        this.values = values;
        this.integerValue = integerValue;
    }

    public string Key { get; }

    public SelectorOperator Operator { get; }

    /// <summary>The values as given (parsed selectors hold them sorted and de-duplicated).</summary>
    public IReadOnlyList<string> Values => values;

    /// <summary>
    /// Builds a requirement, or throws <see cref="SelectorParseException"/> carrying every problem
    /// aggregated as Kubernetes does (paths <c>key</c>, <c>values</c>, <c>values[i][key]</c>).
    /// </summary>
    public static LabelRequirement Create(string key, SelectorOperator op, IEnumerable<string>? values)
    {
        ArgumentNullException.ThrowIfNull(key);
        var vals = values?.ToArray() ?? [];
        var errors = new List<FieldError>();
        foreach (var message in KeyErrors(key))
        {
            errors.Add(FieldError.Invalid("key", key, message));
        }

        long integer = 0;
        switch (op)
        {
            case SelectorOperator.In or SelectorOperator.NotIn:
                if (vals.Length == 0)
                {
                    errors.Add(FieldError.Invalid("values", vals, "for 'in', 'notin' operators, values set can't be empty"));
                }

                break;
            case SelectorOperator.Equals or SelectorOperator.DoubleEquals or SelectorOperator.NotEquals:
                if (vals.Length != 1)
                {
                    errors.Add(FieldError.Invalid("values", vals, "exact-match compatibility requires one single value"));
                }

                break;
            case SelectorOperator.Exists or SelectorOperator.DoesNotExist:
                if (vals.Length != 0)
                {
                    errors.Add(FieldError.Invalid("values", vals, "values set must be empty for exists and does not exist"));
                }

                break;
            case SelectorOperator.GreaterThan or SelectorOperator.LessThan:
                if (vals.Length != 1)
                {
                    errors.Add(FieldError.Invalid("values", vals, "for 'Gt', 'Lt' operators, exactly one value is required"));
                }

                for (var i = 0; i < vals.Length; i++)
                {
                    if (!long.TryParse(vals[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out integer))
                    {
                        errors.Add(FieldError.Invalid(Index("values", i), vals[i], "for 'Gt', 'Lt' operators, the value must be an integer"));
                    }
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op, "unknown selector operator");
        }

        for (var i = 0; i < vals.Length; i++)
        {
            var valueErrors = Validation.IsValidLabelValue(vals[i]);
            if (valueErrors.Count != 0)
            {
                errors.Add(FieldError.Invalid(Index("values", i) + "[" + key + "]", vals[i], string.Join("; ", valueErrors)));
            }
        }

        if (errors.Count != 0)
        {
            throw new SelectorParseException(FieldError.Join(errors));
        }

        return new LabelRequirement(key, op, vals, integer);
    }

    /// <summary>Kubernetes' key check: all qualified-name problems joined into one detail.</summary>
    internal static IReadOnlyList<string> KeyErrors(string key)
    {
        var errors = Validation.IsQualifiedName(key);
        return errors.Count == 0 ? errors : [string.Join("; ", errors)];
    }

    /// <summary>Whether the label set satisfies this clause; a missing label satisfies only !=, notin and !key.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        string? actual = null;
        var has = labels is not null && labels.TryGetValue(Key, out actual);
        switch (Operator)
        {
            case SelectorOperator.In or SelectorOperator.Equals or SelectorOperator.DoubleEquals:
                return has && HasValue(actual!);
            case SelectorOperator.NotIn or SelectorOperator.NotEquals:
                return !has || !HasValue(actual!);
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            case SelectorOperator.GreaterThan or SelectorOperator.LessThan:
                return has && CompareInteger(actual);
            default:
                return false;
        }
    }

    /// <summary>
    /// Same as <see cref="Matches(IReadOnlyDictionary{string, string}?)"/> for labels still in JSON form
    /// (<c>metadata.labels</c>); values are compared in place so parsed documents are not copied into strings.
    /// A JSON null counts as the empty string, as Go's decoder makes it.
    /// </summary>
    public bool Matches(JsonObject? labels)
    {
        JsonNode? node = null;
        var has = labels is not null && labels.TryGetPropertyValue(Key, out node);
        switch (Operator)
        {
            case SelectorOperator.In or SelectorOperator.Equals or SelectorOperator.DoubleEquals:
                return has && HasValue(node);
            case SelectorOperator.NotIn or SelectorOperator.NotEquals:
                return !has || !HasValue(node);
            case SelectorOperator.Exists:
                return has;
            case SelectorOperator.DoesNotExist:
                return !has;
            case SelectorOperator.GreaterThan or SelectorOperator.LessThan:
                return has && CompareInteger(TextOf(node));
            default:
                return false;
        }
    }

    private bool HasValue(JsonNode? node)
    {
        if (node is null)
        {
            return HasValue("");
        }

        if (node is not JsonValue value)
        {
            return false;
        }

        if (value.TryGetValue<JsonElement>(out var element))
        {
            if (element.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            foreach (var candidate in values)
            {
                if (element.ValueEquals(candidate))
                {
                    return true;
                }
            }

            return false;
        }

        return value.TryGetValue<string>(out var text) && HasValue(text);
    }

    /// <summary>Gt/Lt hold only for labels that parse as 64-bit integers, like Go's strconv.ParseInt.</summary>
    private bool CompareInteger(string? actual)
    {
        if (!long.TryParse(actual, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        return Operator == SelectorOperator.GreaterThan ? number > integerValue : number < integerValue;
    }

    private static string? TextOf(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private bool HasValue(string value)
    {
        // Value lists are tiny, so a linear ordinal scan beats hashing and allocates nothing.
        foreach (var candidate in values)
        {
            if (string.Equals(candidate, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Canonical text: <c>!k</c>, <c>k</c>, <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k&gt;1</c>; values sorted.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (Operator == SelectorOperator.DoesNotExist)
        {
            sb.Append('!');
        }

        sb.Append(Key);
        sb.Append(Operator switch
        {
            SelectorOperator.Equals => "=",
            SelectorOperator.DoubleEquals => "==",
            SelectorOperator.NotEquals => "!=",
            SelectorOperator.In => " in (",
            SelectorOperator.NotIn => " notin (",
            SelectorOperator.GreaterThan => ">",
            SelectorOperator.LessThan => "<",
            _ => "",
        });
        if (Operator is SelectorOperator.Exists or SelectorOperator.DoesNotExist)
        {
            return sb.ToString();
        }

        if (values.Length == 1)
        {
            sb.Append(values[0]);
        }
        else
        {
            var sorted = (string[])values.Clone();
            Array.Sort(sorted, StringComparer.Ordinal);
            sb.AppendJoin(',', sorted);
        }

        if (Operator is SelectorOperator.In or SelectorOperator.NotIn)
        {
            sb.Append(')');
        }

        return sb.ToString();
    }

    private static string Index(string path, int i) => string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]");
}
