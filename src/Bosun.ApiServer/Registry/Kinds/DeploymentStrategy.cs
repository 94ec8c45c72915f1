using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>Deployments: the numeric and selector checks of kube-apiserver's ValidateDeploymentSpec.</summary>
internal sealed class DeploymentStrategy : IResourceStrategy
{
    public IEnumerable<FieldError> Validate(JsonObject obj)
    {
        var spec = obj.Obj("spec");
        foreach (var field in (string[])["replicas", "minReadySeconds", "revisionHistoryLimit"])
            if (spec.Long(field) is < 0 and var value)
                yield return FieldError.Invalid($"spec.{field}", value, "must be greater than or equal to 0");
        if (spec?["selector"] is null)
            yield return FieldError.Required("spec.selector");
    }

    /// <summary>apps/v1 selectors are immutable (ValidateImmutableField, the new value printed with Go's %#v).</summary>
    public IEnumerable<FieldError> ValidateUpdate(JsonObject obj, JsonObject old)
    {
        var selector = obj.Obj("spec")?["selector"];
        if (!JsonNode.DeepEquals(selector, old.Obj("spec")?["selector"]))
            yield return FieldError.Invalid("spec.selector", new GoLiteral(GoLabelSelector(selector as JsonObject)), "field is immutable");
    }

    private sealed record GoLiteral(string Text)
    {
        public override string ToString() => Text;
    }

    private static string GoLabelSelector(JsonObject? selector)
    {
        if (selector is null) return "null";
        var labels = selector.Obj("matchLabels");
        var labelText = labels is null
            ? "map[string]string(nil)"
            : "map[string]string{" + string.Join(", ", labels.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => $"{Quote(p.Key)}:{Quote(p.Value?.ToString() ?? "")}")) + "}";
        var expressions = selector.Arr("matchExpressions");
        var exprText = expressions is null
            ? "[]v1.LabelSelectorRequirement(nil)"
            : "[]v1.LabelSelectorRequirement{" + string.Join(", ", expressions.OfType<JsonObject>().Select(e =>
                $"v1.LabelSelectorRequirement{{Key:{Quote(e.Str("key") ?? "")}, Operator:{Quote(e.Str("operator") ?? "")}, Values:{GoStrings(e.Arr("values"))}}}")) + "}";
        return $"v1.LabelSelector{{MatchLabels:{labelText}, MatchExpressions:{exprText}}}";
    }

    /// <summary>Go's %q for label keys and values (printable ASCII by validation).</summary>
    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string GoStrings(JsonArray? values) => values is null
        ? "[]string(nil)"
        : "[]string{" + string.Join(", ", values.Select(v => Quote(v?.ToString() ?? ""))) + "}";
}
