using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry.Checks;

/// <summary>
/// A field error value already rendered the way Go's <c>%#v</c> prints it (maps, label selectors), for the few
/// messages where Kubernetes echoes a whole struct or map. Bosun.Api's GoFormat prints it through ToString.
/// </summary>
internal sealed record GoValue(string Text)
{
    public override string ToString() => Text;

    /// <summary><c>map[string]string{"a":"b", "c":"d"}</c>: keys sorted as fmt sorts map keys; nil when absent.</summary>
    public static GoValue StringMap(JsonObject? map)
    {
        if (map is null) return new GoValue("map[string]string(nil)");
        var pairs = map.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => Quote(p.Key) + ":" + Quote(p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : ""));
        return new GoValue("map[string]string{" + string.Join(", ", pairs) + "}");
    }

    /// <summary>
    /// A label selector as a field error prints it: field.Error dereferences pointers before <c>%#v</c>, so
    /// <c>v1.LabelSelector{…}</c>, and <c>null</c> for a nil one.
    /// </summary>
    public static GoValue LabelSelector(JsonObject? selector)
    {
        if (selector is null) return new GoValue("null");
        var labels = selector.Obj("matchLabels") is { Count: > 0 } m ? StringMap(m).Text : "map[string]string(nil)";
        var expressions = selector.Arr("matchExpressions") is { Count: > 0 } list
            ? "[]v1.LabelSelectorRequirement{" + string.Join(", ", list.OfType<JsonObject>().Select(Requirement)) + "}"
            : "[]v1.LabelSelectorRequirement(nil)";
        return new GoValue("v1.LabelSelector{MatchLabels:" + labels + ", MatchExpressions:" + expressions + "}");
    }

    /// <summary>Go's %q for the label keys and values printed here (printable text; quotes, backslashes and controls escaped).</summary>
    private static string Quote(string s) =>
        "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n").Replace("\t", "\\t") + "\"";

    private static string Requirement(JsonObject r)
    {
        var values = r.Arr("values") is { Count: > 0 } v
            ? "[]string{" + string.Join(", ", v.Select(x => Quote(x?.ToString() ?? ""))) + "}"
            : "[]string(nil)";
        return "v1.LabelSelectorRequirement{Key:" + Quote(r.Str("key") ?? "") + ", Operator:" + Quote(r.Str("operator") ?? "")
            + ", Values:" + values + "}";
    }
}
