namespace Bosun.Api;

/// <summary>
/// The operators a label selector requirement can use; the same set as Kubernetes' selection.Operator.
/// </summary>
public enum SelectorOperator
{
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}
