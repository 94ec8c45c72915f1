using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry.Checks;

/// <summary>
/// A label selector read from JSON (a metav1.LabelSelector or a plain map), able to match labels and to print itself
/// as <c>labels.Selector.String()</c> does: requirements sorted by key, <c>k=v</c>, <c>k in (a,b)</c>,
/// <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>. The scale subresource's <c>status.selector</c> is this text.
/// </summary>
internal sealed class SelectorMatch
{
    private readonly List<(string Key, string Op, List<string> Values)> requirements;

    private SelectorMatch(List<(string, string, List<string>)> requirements) =>
        this.requirements = requirements.OrderBy(r => r.Item1, StringComparer.Ordinal).ToList();

    public bool IsEmpty => requirements.Count == 0;

    public static SelectorMatch FromMap(JsonObject? map) =>
        new(map?.Select(p => (p.Key, "=", new List<string> { Text(p.Value) })).ToList() ?? []);

    public static SelectorMatch FromLabelSelector(JsonObject? selector)
    {
        var list = selector.Obj("matchLabels")?.Select(p => (p.Key, "=", new List<string> { Text(p.Value) })).ToList() ?? [];
        foreach (var e in selector.Arr("matchExpressions")?.OfType<JsonObject>() ?? [])
        {
            var values = e.Arr("values")?.Select(Text).OrderBy(v => v, StringComparer.Ordinal).ToList() ?? [];
            list.Add((e.Str("key") ?? "", e.Str("operator") ?? "", values));
        }
        return new SelectorMatch(list);
    }

    public bool Matches(JsonObject? labels)
    {
        foreach (var (key, op, values) in requirements)
        {
            var has = labels is not null && labels.ContainsKey(key);
            var value = has ? Text(labels![key]) : null;
            var ok = op switch
            {
                "=" => has && value == values[0],
                "In" => has && values.Contains(value!),
                "NotIn" => !has || !values.Contains(value!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    public override string ToString() => string.Join(",", requirements.Select(r => r.Op switch
    {
        "=" => $"{r.Key}={r.Values[0]}",
        "In" => $"{r.Key} in ({string.Join(",", r.Values)})",
        "NotIn" => $"{r.Key} notin ({string.Join(",", r.Values)})",
        "Exists" => r.Key,
        "DoesNotExist" => "!" + r.Key,
        _ => r.Key,
    }));

    private static string Text(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n?.ToString() ?? "";
}
