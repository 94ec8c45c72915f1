namespace Bosun.Api;

/// <summary>
/// One term of a field selector: a field path such as <c>metadata.name</c>, an operator and the
/// unescaped value (possibly empty). A missing field compares as the empty string, as in Kubernetes.
/// </summary>
public sealed record FieldRequirement(string Field, FieldSelectorOperator Operator, string Value)
{
    /// <summary>Whether the field's value satisfies this term.</summary>
    public bool Matches(string? actual)
    {
        var equal = string.Equals(actual ?? "", Value, StringComparison.Ordinal);
        return Operator == FieldSelectorOperator.NotEquals ? !equal : equal;
    }

    /// <summary>Kubernetes' canonical term text: <c>field=value</c> or <c>field!=value</c>, value escaped.</summary>
    public override string ToString() =>
        Field + (Operator == FieldSelectorOperator.NotEquals ? "!=" : "=") + FieldSelector.EscapeValue(Value);
}
