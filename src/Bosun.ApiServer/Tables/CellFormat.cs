using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables;

/// <summary>Shared cell renderings of the printers: label maps, label selectors, container lists, "a,b + N more..." lists.</summary>
internal static class CellFormat
{
    public const string None = "<none>";
    public const string Unset = "<unset>";

    /// <summary><c>labels.FormatLabels</c>: sorted <c>k=v</c> pairs, <c>&lt;none&gt;</c> when empty.</summary>
    public static string Labels(JsonObject? map)
    {
        string s = LabelsOrEmpty(map);
        return s.Length == 0 ? None : s;
    }

    private static string LabelsOrEmpty(JsonObject? map)
    {
        if (map is null || map.Count == 0)
        {
            return "";
        }
        var keys = map.Select(p => p.Key).ToList();
        keys.Sort(StringComparer.Ordinal);
        var sb = new StringBuilder();
        foreach (var k in keys)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }
            sb.Append(k).Append('=').Append(Json.Str(map, k));
        }
        return sb.ToString();
    }

    /// <summary><c>metav1.FormatLabelSelector</c>: the selector string, <c>&lt;none&gt;</c> when it selects by nothing.</summary>
    public static string LabelSelector(JsonObject? selector)
    {
        string s = SelectorString(selector);
        return s.Length == 0 ? None : s;
    }

    /// <summary>
    /// <c>LabelSelectorAsSelector(sel).String()</c>: requirements sorted by key, <c>k=v</c>, <c>k in (a,b)</c>,
    /// <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>; a nil or empty selector prints as the empty string.
    /// </summary>
    public static string SelectorString(JsonObject? selector)
    {
        if (selector is null)
        {
            return "";
        }
        var requirements = new List<(string Key, string Text)>();
        if (Json.Obj(selector, "matchLabels") is { } labels)
        {
            foreach (var (key, _) in labels)
            {
                requirements.Add((key, key + "=" + Json.Str(labels, key)));
            }
        }
        foreach (var expr in Json.Objects(Json.Arr(selector, "matchExpressions")))
        {
            string key = Json.Str(expr, "key");
            var values = Json.Strings(Json.Arr(expr, "values")).Distinct().OrderBy(v => v, StringComparer.Ordinal);
            string text = Json.Str(expr, "operator") switch
            {
                "In" => key + " in (" + string.Join(",", values) + ")",
                "NotIn" => key + " notin (" + string.Join(",", values) + ")",
                "Exists" => key,
                "DoesNotExist" => "!" + key,
                _ => "<error>",
            };
            requirements.Add((key, text));
        }
        // Go sorts requirements by key with a stable sort, so ties keep matchLabels before matchExpressions.
        return string.Join(",", requirements.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Text));
    }

    /// <summary><c>layoutContainerCells</c>: comma-joined container names and images.</summary>
    public static (string Names, string Images) Containers(JsonArray? containers)
    {
        var names = new StringBuilder();
        var images = new StringBuilder();
        bool first = true;
        foreach (var c in Json.Objects(containers))
        {
            if (!first)
            {
                names.Append(',');
                images.Append(',');
            }
            first = false;
            names.Append(Json.Str(c, "name"));
            images.Append(Json.Str(c, "image"));
        }
        return (names.ToString(), images.ToString());
    }

    /// <summary><c>listWithMoreString</c>: at most three items, then <c> + N more...</c>; <c>&lt;unset&gt;</c> when empty.</summary>
    public static string ListWithMore(IReadOnlyList<string> shown, bool more, int count, int max)
    {
        string ret = string.Join(",", shown);
        if (more)
        {
            return ret + " + " + (count - max) + " more...";
        }
        return ret.Length == 0 ? Unset : ret;
    }

    /// <summary><c>printBoolPtr</c>: <c>True</c>/<c>False</c>/<c>&lt;unset&gt;</c>.</summary>
    public static string BoolPtr(bool? value) => value switch
    {
        true => "True",
        false => "False",
        null => Unset,
    };

    /// <summary><c>ready/total</c> style counters.</summary>
    public static string Ratio(long a, long b) => a + "/" + b;
}
