namespace Bosun.Api;

/// <summary>
/// Raised when a label or field selector is malformed or invalid; the message is worded as
/// kube-apiserver words it, so the API server can put it into a BadRequest Status unchanged.
/// </summary>
public sealed class SelectorParseException : FormatException
{
    public SelectorParseException()
    {
    }

    public SelectorParseException(string message)
        : base(message)
    {
    }

    public SelectorParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
