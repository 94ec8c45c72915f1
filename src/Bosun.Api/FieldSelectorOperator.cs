namespace Bosun.Api;

/// <summary>The operators a field selector term can use (<c>=</c> and <c>==</c> are the same test).</summary>
public enum FieldSelectorOperator
{
    Equals,
    DoubleEquals,
    NotEquals,
}
