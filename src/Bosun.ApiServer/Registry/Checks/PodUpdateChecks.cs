using System.Text;
using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Checks;

/// <summary>
/// A pod's spec is fixed once created except for container images, activeDeadlineSeconds, added tolerations, a
/// negative grace period becoming 1, and removed scheduling gates (core/validation ValidatePodUpdate). The rest is
/// compared by copying those allowed changes onto the old spec and requiring the result to equal the new spec.
/// </summary>
internal static class PodUpdateChecks
{
    internal const string Message =
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        + "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

    public static IEnumerable<FieldError> Validate(JsonObject obj, JsonObject old)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        var errors = new List<FieldError>();

        var oldDeadline = oldSpec.Long("activeDeadlineSeconds");
        var deadline = spec.Long("activeDeadlineSeconds");
        if (oldDeadline is { } was && (deadline is null || deadline > was))
            errors.Add(FieldError.Invalid("spec.activeDeadlineSeconds", deadline is { } d ? d : new GoValue("nil"),
                "must be less than or equal to previous value"));

        var munged = oldSpec.DeepClone().AsObject();
        CopyImages(munged, spec, "containers");
        CopyImages(munged, spec, "initContainers");
        Copy(munged, spec, "activeDeadlineSeconds");
        if (IsSuperset(spec.Arr("tolerations"), oldSpec.Arr("tolerations"))) Copy(munged, spec, "tolerations");
        if (oldSpec.Long("terminationGracePeriodSeconds") is < 0 && spec.Long("terminationGracePeriodSeconds") == 1)
            Copy(munged, spec, "terminationGracePeriodSeconds");
        if (IsSuperset(oldSpec.Arr("schedulingGates"), spec.Arr("schedulingGates"))) Copy(munged, spec, "schedulingGates");

        if (!JsonNode.DeepEquals(munged, spec))
            errors.Add(FieldError.Forbidden("spec", Message + "\n" + Diff(munged, spec)));
        return errors;
    }

    private static void CopyImages(JsonObject munged, JsonObject spec, string list)
    {
        var target = munged.Arr(list);
        var source = spec.Arr(list);
        if (target is null || source is null || target.Count != source.Count) return;
        for (var i = 0; i < target.Count; i++)
            if (target[i] is JsonObject t && source[i] is JsonObject s) t["image"] = s["image"]?.DeepClone();
    }

    private static void Copy(JsonObject target, JsonObject source, string field)
    {
        if (source[field] is { } v) target[field] = v.DeepClone();
        else target.Remove(field);
    }

    private static bool IsSuperset(JsonArray? bigger, JsonArray? smaller) =>
        (smaller ?? []).All(s => (bigger ?? []).Any(b => JsonNode.DeepEquals(b, s)));

    /// <summary>
    /// Kubernetes appends a go-cmp diff of the internal PodSpec; Bosun lists the differing spec fields in the same
    /// "-old/+new" spirit, which is what a user needs to find the offending change.
    /// </summary>
    private static string Diff(JsonObject munged, JsonObject spec)
    {
        var sb = new StringBuilder("  core.PodSpec{\n");
        foreach (var key in munged.Select(p => p.Key).Union(spec.Select(p => p.Key)).Distinct())
        {
            if (JsonNode.DeepEquals(munged[key], spec[key])) continue;
            if (munged[key] is { } before) sb.Append("- \t").Append(key).Append(": ").Append(before.ToJsonString()).Append(",\n");
            if (spec[key] is { } after) sb.Append("+ \t").Append(key).Append(": ").Append(after.ToJsonString()).Append(",\n");
        }
        return sb.Append("  }\n").ToString();
    }
}
