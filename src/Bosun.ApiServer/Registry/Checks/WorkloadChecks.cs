using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Checks;

/// <summary>
/// Validation of the workload kinds (apps/validation, batch/validation, core ReplicationController): replicas,
/// selectors that must match the template's labels, the template's pod spec and restart policy, and the fields an
/// update may not change.
/// </summary>
internal static class WorkloadChecks
{
    private const string Immutable = "field is immutable";

    /// <summary>Deployments, ReplicaSets and DaemonSets: a required, non-empty selector matching the template.</summary>
    public static IEnumerable<FieldError> SelectorWorkload(JsonObject obj, string kind, bool hasReplicas)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        if (hasReplicas) foreach (var e in Replicas(spec)) yield return e;
        var selector = spec.Obj("selector");
        if (selector is null) yield return FieldError.Required("spec.selector");
        else
        {
            if (selector.Obj("matchLabels") is not { Count: > 0 } && selector.Arr("matchExpressions") is not { Count: > 0 })
                yield return FieldError.Invalid("spec.selector", GoValue.LabelSelector(selector), $"empty selector is invalid for {kind}");
            foreach (var e in ObjectMetaValidation.ValidateLabels(Labels(selector.Obj("matchLabels")), "spec.selector.matchLabels")) yield return e;
        }
        foreach (var e in Template(spec, selector is null ? null : SelectorMatch.FromLabelSelector(selector), ["Always"], "spec")) yield return e;
    }

    /// <summary>Deployments: the selector rules plus the strategy (type enum, no rollingUpdate with Recreate, not both 0).</summary>
    public static IEnumerable<FieldError> Deployment(JsonObject obj)
    {
        foreach (var e in SelectorWorkload(obj, "deployment", hasReplicas: true)) yield return e;
        var strategy = obj.Obj("spec").Obj("strategy") ?? new JsonObject();
        var type = strategy.Str("type") ?? "";
        string[] types = ["Recreate", "RollingUpdate"];
        if (!types.Contains(type)) yield return FieldError.NotSupported("spec.strategy.type", type, types);
        else if (type == "Recreate" && strategy["rollingUpdate"] is not null)
            yield return FieldError.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
        else if (type == "RollingUpdate" && strategy.Obj("rollingUpdate") is { } rolling && IsZero(rolling["maxUnavailable"]) && IsZero(rolling["maxSurge"]))
            yield return FieldError.Invalid("spec.strategy.rollingUpdate.maxUnavailable", GoIntOrString(rolling["maxUnavailable"]), "may not be 0 when `maxSurge` is 0");
        if (obj.Obj("spec").Long("revisionHistoryLimit") is < 0 and var limit)
            yield return FieldError.Invalid("spec.revisionHistoryLimit", limit, "must be greater than or equal to 0");
    }

    /// <summary>An intstr of 0 or "0%".</summary>
    private static bool IsZero(JsonNode? value) =>
        value is JsonValue v && (v.TryGetValue<string>(out var s) ? s is "0%" or "0" : v.ToJsonString() == "0");

    /// <summary>An intstr prints through its String method: bare, with no quotes even for "25%".</summary>
    private static GoValue GoIntOrString(JsonNode? value) =>
        new(value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "0");

    /// <summary>StatefulSets: as the selector workloads, plus a serviceName-free template check and the pod management enum.</summary>
    public static IEnumerable<FieldError> StatefulSet(JsonObject obj)
    {
        foreach (var e in SelectorWorkload(obj, "statefulset", hasReplicas: true)) yield return e;
        var spec = obj.Obj("spec") ?? new JsonObject();
        var policy = spec.Str("podManagementPolicy") ?? "";
        if (policy is not ("OrderedReady" or "Parallel"))
            yield return FieldError.Invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'");
    }

    /// <summary>ReplicationControllers: a map selector (defaulted from the template labels) that must match them.</summary>
    public static IEnumerable<FieldError> ReplicationController(JsonObject obj)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        foreach (var e in Replicas(spec)) yield return e;
        var selector = spec.Obj("selector");
        if (selector is not { Count: > 0 }) yield return FieldError.Required("spec.selector");
        else foreach (var e in ObjectMetaValidation.ValidateLabels(Labels(selector), "spec.selector")) yield return e;
        if (spec.Obj("template") is null) yield return FieldError.Required("spec.template");
        else foreach (var e in Template(spec, selector is { Count: > 0 } ? SelectorMatch.FromMap(selector) : null, ["Always"], "spec")) yield return e;
    }

    /// <summary>Jobs: the generated or manual selector must match; pods restart OnFailure or Never.</summary>
    public static IEnumerable<FieldError> Job(JsonObject obj)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        foreach (var e in JobSpec(spec, "spec")) yield return e;
    }

    internal static IEnumerable<FieldError> JobSpec(JsonObject spec, string path, bool checkSelector = true)
    {
        foreach (var field in (string[])["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"])
            if (spec.Long(field) is < 0 and var n)
                yield return FieldError.Invalid($"{path}.{field}", n, "must be greater than or equal to 0");
        var selector = spec.Obj("selector");
        if (checkSelector && selector is null) yield return FieldError.Required(path + ".selector");
        foreach (var e in Template(spec, checkSelector && selector is not null ? SelectorMatch.FromLabelSelector(selector) : null, ["OnFailure", "Never"], path))
            yield return e;
    }

    public static IEnumerable<FieldError> CronJob(JsonObject obj)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        if (string.IsNullOrEmpty(spec.Str("schedule"))) yield return FieldError.Required("spec.schedule");
        var policy = spec.Str("concurrencyPolicy") ?? "";
        string[] policies = ["Allow", "Forbid", "Replace"];
        if (!policies.Contains(policy)) yield return FieldError.NotSupported("spec.concurrencyPolicy", policy, policies);
        foreach (var e in JobSpec(spec.Obj("jobTemplate").Obj("spec") ?? new JsonObject(), "spec.jobTemplate.spec", checkSelector: false))
            yield return e;
    }

    /// <summary>apps/v1 selectors never change after create.</summary>
    public static IEnumerable<FieldError> SelectorUnchanged(JsonObject obj, JsonObject old)
    {
        var selector = obj.Obj("spec").Obj("selector");
        if (!JsonNode.DeepEquals(selector, old.Obj("spec").Obj("selector")))
            yield return FieldError.Invalid("spec.selector", GoValue.LabelSelector(selector), Immutable);
    }

    /// <summary>StatefulSets may only change replicas, ordinals, template, updateStrategy, the PVC retention policy and minReadySeconds.</summary>
    public static IEnumerable<FieldError> StatefulSetUpdate(JsonObject obj, JsonObject old)
    {
        var spec = (obj.Obj("spec") ?? new JsonObject()).DeepClone().AsObject();
        var oldSpec = (old.Obj("spec") ?? new JsonObject()).DeepClone().AsObject();
        foreach (var f in (string[])["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"])
        {
            spec.Remove(f);
            oldSpec.Remove(f);
        }
        if (!JsonNode.DeepEquals(spec, oldSpec))
            yield return FieldError.Forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
    }

    /// <summary>A Job's selector, completions, completion mode and (while not suspended-and-never-started) template are fixed.</summary>
    public static IEnumerable<FieldError> JobUpdate(JsonObject obj, JsonObject old)
    {
        var spec = obj.Obj("spec") ?? new JsonObject();
        var oldSpec = old.Obj("spec") ?? new JsonObject();
        if (!JsonNode.DeepEquals(spec["selector"], oldSpec["selector"]))
            yield return FieldError.Invalid("spec.selector", GoValue.LabelSelector(spec.Obj("selector")), Immutable);
        if (!JsonNode.DeepEquals(spec["completionMode"], oldSpec["completionMode"]))
            yield return FieldError.Invalid("spec.completionMode", spec.Str("completionMode") ?? "", Immutable);
        if (!JsonNode.DeepEquals(spec["completions"], oldSpec["completions"]) && spec.Str("completionMode") != "Indexed")
            yield return FieldError.Invalid("spec.completions", spec.Long("completions") is { } c ? c : new GoValue("nil"), Immutable);
        if (!JsonNode.DeepEquals(spec["template"], oldSpec["template"]))
            // Kubernetes prints the whole core.PodTemplateSpec here; an elided struct keeps the message readable.
            yield return FieldError.Invalid("spec.template", new GoValue("core.PodTemplateSpec{...}"), Immutable);
    }

    private static IEnumerable<FieldError> Replicas(JsonObject spec)
    {
        if (spec.Long("replicas") is < 0 and var n)
            yield return FieldError.Invalid("spec.replicas", n, "must be greater than or equal to 0");
    }

    /// <summary>The pod template: labels valid and selected, pod spec valid, restart policy one of <paramref name="restart"/>.</summary>
    private static IEnumerable<FieldError> Template(JsonObject spec, SelectorMatch? selector, string[] restart, string path)
    {
        var template = spec.Obj("template");
        if (template is null)
        {
            yield return FieldError.Required(path + ".template");
            yield break;
        }
        var labels = template.Obj("metadata").Obj("labels");
        foreach (var e in ObjectMetaValidation.ValidateLabels(Labels(labels), path + ".template.metadata.labels")) yield return e;
        if (selector is { IsEmpty: false } && !selector.Matches(labels))
            yield return FieldError.Invalid(path + ".template.metadata.labels", GoValue.StringMap(labels), "`selector` does not match template `labels`");
        var podSpec = template.Obj("spec");
        foreach (var e in PodSpecChecks.Validate(podSpec, path + ".template.spec")) yield return e;
        var policy = podSpec.Str("restartPolicy") ?? "";
        if (policy.Length > 0 && !restart.Contains(policy))
            yield return FieldError.NotSupported(path + ".template.spec.restartPolicy", policy, restart);
        if (restart.Length == 1 && podSpec?["activeDeadlineSeconds"] is not null)
            yield return FieldError.Forbidden(path + ".template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported");
    }

    private static List<KeyValuePair<string, string>> Labels(JsonObject? map) =>
        map?.Select(p => new KeyValuePair<string, string>(p.Key, p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? s : "")).ToList() ?? [];
}
