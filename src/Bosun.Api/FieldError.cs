using System.Globalization;
using System.Text;

namespace Bosun.Api;

/// <summary>
/// One validation failure on one field, formatted the way Kubernetes formats a field.Error
/// (<c>metadata.name: Invalid value: "Foo_Bar": detail</c>) and carrying the Status cause reason.
/// </summary>
/// <param name="Type">What went wrong.</param>
/// <param name="Field">Dotted field path, e.g. <c>metadata.labels</c>; may be empty.</param>
/// <param name="BadValue">The offending value; strings, numbers, booleans and string lists are rendered like Go does.</param>
/// <param name="Detail">Human readable explanation; may be empty.</param>
public sealed record FieldError(FieldErrorType Type, string Field, object? BadValue, string Detail)
{
    /// <summary>Stands in for "no value" so that the value part of the message is left out, as Kubernetes does.</summary>
    public static readonly object OmitValue = new();

    public static FieldError Required(string field, string detail = "") => new(FieldErrorType.Required, field, "", detail);

    public static FieldError Invalid(string field, object? value, string detail) => new(FieldErrorType.Invalid, field, value, detail);

    public static FieldError Duplicate(string field, object? value) => new(FieldErrorType.Duplicate, field, value, "");

    public static FieldError NotFound(string field, object? value) => new(FieldErrorType.NotFound, field, value, "");

    public static FieldError Forbidden(string field, string detail) => new(FieldErrorType.Forbidden, field, "", detail);

    public static FieldError Internal(string field, string detail) => new(FieldErrorType.Internal, field, null, detail);

    /// <summary>An unsupported value; the detail lists the accepted values quoted, as Kubernetes does.</summary>
    public static FieldError NotSupported(string field, object? value, IEnumerable<string>? validValues)
    {
        var quoted = validValues?.Select(GoFormat.Quote).ToList();
        var detail = quoted is { Count: > 0 } ? "supported values: " + string.Join(", ", quoted) : "";
        return new(FieldErrorType.NotSupported, field, value, detail);
    }

    /// <summary>A value over its byte limit; the value itself is never echoed (v1.32 wording).</summary>
    public static FieldError TooLong(string field, int maxLength)
    {
        var detail = maxLength >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"may not be more than {maxLength} bytes")
            : "value is too long";
        return new(FieldErrorType.TooLong, field, "<value omitted>", detail);
    }

    /// <summary>A list over its item limit; a negative <paramref name="actualQuantity"/> leaves the count out.</summary>
    public static FieldError TooMany(string field, int actualQuantity, int maxQuantity)
    {
        var detail = maxQuantity >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"must have at most {maxQuantity} items")
            : "has too many items";
        return new(FieldErrorType.TooMany, field, actualQuantity >= 0 ? actualQuantity : OmitValue, detail);
    }

    /// <summary>The text shown for the type, e.g. <c>Invalid value</c>.</summary>
    public string TypeText => Type switch
    {
        FieldErrorType.NotFound => "Not found",
        FieldErrorType.Required => "Required value",
        FieldErrorType.Duplicate => "Duplicate value",
        FieldErrorType.Invalid => "Invalid value",
        FieldErrorType.NotSupported => "Unsupported value",
        FieldErrorType.Forbidden => "Forbidden",
        FieldErrorType.TooLong => "Too long",
        FieldErrorType.TooMany => "Too many",
        FieldErrorType.Internal => "Internal error",
        FieldErrorType.TypeInvalid => "Invalid value",
        _ => throw new InvalidOperationException($"unknown field error type {Type}"),
    };

    /// <summary>The <c>reason</c> of the StatusCause this error becomes, e.g. <c>FieldValueInvalid</c>.</summary>
    public string Reason => Type switch
    {
        FieldErrorType.NotFound => "FieldValueNotFound",
        FieldErrorType.Required => "FieldValueRequired",
        FieldErrorType.Duplicate => "FieldValueDuplicate",
        FieldErrorType.Invalid => "FieldValueInvalid",
        FieldErrorType.NotSupported => "FieldValueNotSupported",
        FieldErrorType.Forbidden => "FieldValueForbidden",
        FieldErrorType.TooLong => "FieldValueTooLong",
        FieldErrorType.TooMany => "FieldValueTooMany",
        FieldErrorType.Internal => "InternalError",
        FieldErrorType.TypeInvalid => "FieldValueTypeInvalid",
        _ => throw new InvalidOperationException($"unknown field error type {Type}"),
    };

    /// <summary>
    /// The message without the field path; Kubernetes puts this in the StatusCause <c>message</c>.
    /// Required, Forbidden, TooLong and Internal never echo the value (it may be huge or secret).
    /// </summary>
    public string Body
    {
        get
        {
            var text = Type is FieldErrorType.Required or FieldErrorType.Forbidden or FieldErrorType.TooLong or FieldErrorType.Internal
                || ReferenceEquals(BadValue, OmitValue)
                ? TypeText
                : TypeText + ": " + GoFormat.Value(BadValue);
            return Detail.Length == 0 ? text : text + ": " + Detail;
        }
    }

    /// <summary>Kubernetes' <c>field: body</c> form.</summary>
    public override string ToString() => Field + ": " + Body;

    /// <summary>
    /// Joins errors the way Kubernetes aggregates an error list: one error is shown bare, several are
    /// de-duplicated, comma separated and bracketed. Empty input gives an empty string.
    /// </summary>
    public static string Join(IEnumerable<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var error in errors)
        {
            var message = error.ToString();
            if (!seen.Add(message))
            {
                continue;
            }

            if (seen.Count > 1)
            {
                sb.Append(", ");
            }

            sb.Append(message);
        }

        return seen.Count > 1 ? "[" + sb + "]" : sb.ToString();
    }
}
