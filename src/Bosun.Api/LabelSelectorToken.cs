namespace Bosun.Api;

/// <summary>The lexical tokens of the label selector grammar, as Kubernetes' selector lexer defines them.</summary>
internal enum LabelSelectorToken
{
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}
