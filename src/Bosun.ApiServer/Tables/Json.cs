using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables;

/// <summary>
/// Tolerant readers over a stored object's <see cref="JsonNode"/> tree. Printers read the tree directly rather than
/// deserialising typed models because this runs once per row on every <c>kubectl get</c> and watch event.
/// A missing or mistyped field reads as the Go zero value, as it would after decoding into a Go struct.
/// </summary>
internal static class Json
{
    public static JsonObject? Obj(JsonNode? node, string name) => node is JsonObject o ? o[name] as JsonObject : null;

    public static JsonArray? Arr(JsonNode? node, string name) => node is JsonObject o ? o[name] as JsonArray : null;

    public static int Count(JsonNode? node, string name) => node is JsonObject o
        ? o[name] switch
        {
            JsonArray a => a.Count,
            JsonObject m => m.Count,
            _ => 0,
        }
        : 0;

    public static string Str(JsonNode? node, string name) => StrOrNull(node, name) ?? "";

    public static string? StrOrNull(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    public static long Long(JsonNode? node, string name, long fallback = 0) => LongOrNull(node, name) ?? fallback;

    public static long? LongOrNull(JsonNode? node, string name)
    {
        if (node is not JsonObject o || o[name] is not JsonValue v)
        {
            return null;
        }
        if (v.TryGetValue(out long l))
        {
            return l;
        }
        if (v.TryGetValue(out int i))
        {
            return i;
        }
        if (v.TryGetValue(out double d))
        {
            return (long)d;
        }
        if (v.TryGetValue(out JsonElement e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out l))
        {
            return l;
        }
        return null;
    }

    public static bool Bool(JsonNode? node, string name) => BoolOrNull(node, name) ?? false;

    public static bool? BoolOrNull(JsonNode? node, string name) =>
        node is JsonObject o && o[name] is JsonValue v && v.TryGetValue(out bool b) ? b : null;

    /// <summary>An RFC 3339 timestamp (metav1.Time or MicroTime); null when absent or unparsable, like Go's zero time.</summary>
    public static DateTimeOffset? Time(JsonNode? node, string name)
    {
        string? s = StrOrNull(node, name);
        if (string.IsNullOrEmpty(s))
        {
            return null;
        }
        if (TryParseUtc(s, out var fast))
        {
            return fast;
        }
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
    }

    /// <summary>
    /// Fast path for the form the API server writes, <c>yyyy-MM-ddTHH:mm:ss[.fraction]Z</c>; every row has at least
    /// one timestamp, and the general parser costs several times more.
    /// </summary>
    private static bool TryParseUtc(string s, out DateTimeOffset value)
    {
        value = default;
        if (s.Length < 20 || s[^1] != 'Z' || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }
        if (!Digits(s, 0, 4, out int year) || !Digits(s, 5, 2, out int month) || !Digits(s, 8, 2, out int day)
            || !Digits(s, 11, 2, out int hour) || !Digits(s, 14, 2, out int minute) || !Digits(s, 17, 2, out int second))
        {
            return false;
        }
        long fractionTicks = 0;
        if (s.Length > 20)
        {
            if (s[19] != '.')
            {
                return false;
            }
            long scale = TimeSpan.TicksPerSecond;
            for (int i = 20; i < s.Length - 1; i++)
            {
                char c = s[i];
                if (c is < '0' or > '9')
                {
                    return false;
                }
                scale /= 10;
                fractionTicks += (c - '0') * scale;
            }
        }
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || hour > 23 || minute > 59 || second > 59 || year < 1)
        {
            return false;
        }
        value = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).AddTicks(fractionTicks);
        return true;
    }

    private static bool Digits(string s, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            char c = s[i];
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return true;
    }

    /// <summary>
    /// A scalar as Go's <c>String()</c> would print it: strings as they are, numbers in their JSON form. Used for
    /// quantities and IntOrString values, which the storage layer keeps in their canonical serialised form.
    /// </summary>
    public static string? Scalar(JsonNode? node, string name)
    {
        if (node is not JsonObject o || o[name] is not JsonValue v)
        {
            return null;
        }
        if (v.TryGetValue(out string? s))
        {
            return s;
        }
        return v.ToJsonString();
    }

    public static string Name(JsonObject obj) => Str(obj["metadata"], "name");

    public static string Age(JsonObject obj, DateTimeOffset now) =>
        HumanDuration.Since(Time(obj["metadata"], "creationTimestamp"), now);

    public static IEnumerable<JsonObject> Objects(JsonArray? array)
    {
        if (array is null)
        {
            yield break;
        }
        foreach (var item in array)
        {
            if (item is JsonObject o)
            {
                yield return o;
            }
        }
    }

    public static IEnumerable<string> Strings(JsonArray? array)
    {
        if (array is null)
        {
            yield break;
        }
        foreach (var item in array)
        {
            if (item is JsonValue v && v.TryGetValue(out string? s))
            {
                yield return s;
            }
        }
    }
}
