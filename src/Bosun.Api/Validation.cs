using System.Globalization;
using System.Text;

namespace Bosun.Api;

/// <summary>
/// Pure string validators returning error messages worded exactly like Kubernetes'
/// util/validation package (DNS names, qualified names, label values, annotation size).
/// An empty list means the value is valid.
/// </summary>
public static class Validation
{
    public const int Dns1123LabelMaxLength = 63;
    public const int Dns1123SubdomainMaxLength = 253;
    public const int Dns1035LabelMaxLength = 63;
    public const int QualifiedNameMaxLength = 63;
    public const int LabelValueMaxLength = 63;
    public const int TotalAnnotationSizeLimitBytes = 256 * 1024;

    private const string Dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1123LabelErrMsg = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
    private const string Dns1123SubdomainFmt = Dns1123LabelFmt + "(\\." + Dns1123LabelFmt + ")*";
    private const string Dns1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    private const string Dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1035LabelErrMsg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    private const string QualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private const string QualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    private const string LabelValueFmt = "(" + QualifiedNameFmt + ")?";
    private const string LabelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

    /// <summary>Kubernetes' "must be non-empty".</summary>
    public static string EmptyError() => "must be non-empty";

    /// <summary>Kubernetes' "must be no more than N characters".</summary>
    public static string MaxLenError(int length) =>
        string.Create(CultureInfo.InvariantCulture, $"must be no more than {length} characters");

    /// <summary>Kubernetes' regex error: message, quoted examples (each followed by ", ", joined by " or "), then the regex.</summary>
    public static string RegexError(string message, string format, params string[] examples)
    {
        if (examples.Length == 0)
        {
            return message + " (regex used for validation is '" + format + "')";
        }

        var sb = new StringBuilder(message).Append(" (e.g. ");
        for (var i = 0; i < examples.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(" or ");
            }

            sb.Append('\'').Append(examples[i]).Append("', ");
        }

        return sb.Append("regex used for validation is '").Append(format).Append("')").ToString();
    }

    /// <summary>RFC 1123 label (namespace names, most DNS-facing names): at most 63 characters.</summary>
    public static IReadOnlyList<string> IsDns1123Label(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>(0);
        if (ByteLength(value) > Dns1123LabelMaxLength)
        {
            errors.Add(MaxLenError(Dns1123LabelMaxLength));
        }

        if (!MatchesDns1123Label(value.AsSpan()))
        {
            // A valid subdomain that is not a valid label can only be failing because of its dots.
            errors.Add(MatchesDns1123Subdomain(value)
                ? "must not contain dots"
                : RegexError(Dns1123LabelErrMsg, Dns1123LabelFmt, "my-name", "123-abc"));
        }

        return errors;
    }

    /// <summary>RFC 1123 subdomain (the default object name rule): at most 253 characters.</summary>
    /// <summary>path.IsValidPathSegmentName: what RBAC object names must be (<c>system:node</c> is fine, <c>a/b</c> is not).</summary>
    public static IReadOnlyList<string> IsValidPathSegmentName(string value)
    {
        if (value is "." or "..") return [$"may not be '{value}'"];
        var errors = new List<string>();
        if (value.Contains('/')) errors.Add("may not contain '/'");
        if (value.Contains('%')) errors.Add("may not contain '%'");
        return errors;
    }

    public static IReadOnlyList<string> IsDns1123Subdomain(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>(0);
        if (ByteLength(value) > Dns1123SubdomainMaxLength)
        {
            errors.Add(MaxLenError(Dns1123SubdomainMaxLength));
        }

        if (!MatchesDns1123Subdomain(value))
        {
            errors.Add(RegexError(Dns1123SubdomainErrMsg, Dns1123SubdomainFmt, "example.com"));
        }

        return errors;
    }

    /// <summary>RFC 1035 label (service names): starts with a letter, at most 63 characters.</summary>
    public static IReadOnlyList<string> IsDns1035Label(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>(0);
        if (ByteLength(value) > Dns1035LabelMaxLength)
        {
            errors.Add(MaxLenError(Dns1035LabelMaxLength));
        }

        if (value.Length == 0 || !IsLowerAlpha(value[0]) || !MatchesDns1123Label(value.AsSpan()))
        {
            errors.Add(RegexError(Dns1035LabelErrMsg, Dns1035LabelFmt, "my-name", "abc-123"));
        }

        return errors;
    }

    /// <summary>
    /// Qualified name (label and annotation keys, finalizers): an optional DNS subdomain prefix and '/',
    /// then a name of at most 63 alphanumerics, '-', '_' or '.' that starts and ends alphanumeric.
    /// </summary>
    public static IReadOnlyList<string> IsQualifiedName(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>(0);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        var name = value;
        if (slash >= 0)
        {
            if (value.IndexOf('/', slash + 1) >= 0)
            {
                errors.Add("a qualified name " + RegexError(QualifiedNameErrMsg, QualifiedNameFmt, "MyName", "my.name", "123-abc")
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return errors;
            }

            var prefix = value[..slash];
            name = value[(slash + 1)..];
            if (prefix.Length == 0)
            {
                errors.Add("prefix part " + EmptyError());
            }
            else
            {
                foreach (var message in IsDns1123Subdomain(prefix))
                {
                    errors.Add("prefix part " + message);
                }
            }
        }

        if (name.Length == 0)
        {
            errors.Add("name part " + EmptyError());
        }
        else if (ByteLength(name) > QualifiedNameMaxLength)
        {
            errors.Add("name part " + MaxLenError(QualifiedNameMaxLength));
        }

        if (!MatchesQualifiedNamePart(name.AsSpan()))
        {
            errors.Add("name part " + RegexError(QualifiedNameErrMsg, QualifiedNameFmt, "MyName", "my.name", "123-abc"));
        }

        return errors;
    }

    /// <summary>Label value: empty, or at most 63 alphanumerics, '-', '_' or '.' starting and ending alphanumeric.</summary>
    public static IReadOnlyList<string> IsValidLabelValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var errors = new List<string>(0);
        if (ByteLength(value) > LabelValueMaxLength)
        {
            errors.Add(MaxLenError(LabelValueMaxLength));
        }

        if (value.Length != 0 && !MatchesQualifiedNamePart(value.AsSpan()))
        {
            errors.Add(RegexError(LabelValueErrMsg, LabelValueFmt, "MyValue", "my_value", "12345"));
        }

        return errors;
    }

    /// <summary>Total size of annotations as Kubernetes counts it: UTF-8 bytes of every key plus every value.</summary>
    public static long AnnotationsSize(IEnumerable<KeyValuePair<string, string>> annotations)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        long total = 0;
        foreach (var (key, value) in annotations)
        {
            total += ByteLength(key) + ByteLength(value ?? "");
        }

        return total;
    }

    /// <summary>
    /// Checks the 256 KiB annotation budget; the message is Kubernetes' ValidateAnnotationsSize error.
    /// Object validation reports the breach as a Too long field error instead (see <see cref="FieldError.TooLong"/>).
    /// </summary>
    public static IReadOnlyList<string> ValidateAnnotationsSize(IEnumerable<KeyValuePair<string, string>> annotations)
    {
        var total = AnnotationsSize(annotations);
        return total > TotalAnnotationSizeLimitBytes
            ? [string.Create(CultureInfo.InvariantCulture, $"annotations size {total} is larger than limit {TotalAnnotationSizeLimitBytes}")]
            : [];
    }

    /// <summary>Go measures strings in UTF-8 bytes; counting only when non-ASCII keeps the common case cheap.</summary>
    internal static int ByteLength(string value) => Ascii.IsValid(value) ? value.Length : Encoding.UTF8.GetByteCount(value);

    private static bool IsLowerAlpha(char c) => c is >= 'a' and <= 'z';

    private static bool IsLowerAlphaNumeric(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';

    private static bool IsAlphaNumeric(char c) => c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9';

    private static bool MatchesDns1123Label(ReadOnlySpan<char> value)
    {
        if (value.Length == 0 || !IsLowerAlphaNumeric(value[0]) || !IsLowerAlphaNumeric(value[^1]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!IsLowerAlphaNumeric(c) && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchesDns1123Subdomain(string value)
    {
        foreach (var range in value.AsSpan().Split('.'))
        {
            if (!MatchesDns1123Label(value.AsSpan()[range]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MatchesQualifiedNamePart(ReadOnlySpan<char> value)
    {
        if (value.Length == 0 || !IsAlphaNumeric(value[0]) || !IsAlphaNumeric(value[^1]))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!IsAlphaNumeric(c) && c is not ('-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
