using System.Collections;
using System.Globalization;
using System.Text;

namespace Bosun.Api;

/// <summary>
/// Renders values the way Go's fmt does for the verbs Kubernetes uses in error messages
/// (%q for strings, %v for scalars, %#v for string slices), so our messages match byte for byte.
/// </summary>
internal static class GoFormat
{
    /// <summary>Go's %q: double quoted with Go escapes; printable non-ASCII stays as is.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\a': sb.Append("\\a"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\v': sb.Append("\\v"); break;
                default:
                    if (rune.Value < 0x20 || rune.Value == 0x7f)
                    {
                        sb.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
                    }
                    else if (Rune.IsControl(rune))
                    {
                        sb.Append(rune.Value > 0xFFFF
                            ? string.Create(CultureInfo.InvariantCulture, $"\\U{rune.Value:x8}")
                            : string.Create(CultureInfo.InvariantCulture, $"\\u{rune.Value:x4}"));
                    }
                    else
                    {
                        sb.Append(rune.ToString());
                    }

                    break;
            }
        }

        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>The value part of a field error: %q for strings, %v for numbers and booleans, %#v for string lists.</summary>
    public static string Value(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        bool b => b ? "true" : "false",
        IFormattable f when value is int or long or short or byte or uint or ulong or double or float or decimal =>
            f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable<string> list => StringSlice(list),
        IEnumerable other => StringSlice(other.Cast<object?>().Select(o => o?.ToString() ?? "")),
        _ => value.ToString() ?? "null",
    };

    private static string StringSlice(IEnumerable<string> list)
    {
        // Kubernetes only reports empty lists that are nil slices (e.g. an omitted "values"), hence the nil form.
        var items = list.Select(Quote).ToList();
        return items.Count == 0 ? "[]string(nil)" : "[]string{" + string.Join(", ", items) + "}";
    }
}
