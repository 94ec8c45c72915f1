using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry.Checks;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// The <c>scale</c> subresource's view of a workload: an autoscaling/v1 <c>Scale</c> built from the parent's
/// metadata, <c>spec.replicas</c>, <c>status.replicas</c> and selector (as a selector string), and the way back —
/// a Scale's replicas written onto the parent. Pure; the HTTP handler does the reading and writing.
/// </summary>
internal static class ScaleConversion
{
    public static JsonObject ToScale(JsonObject parent, ResourceRegistration reg)
    {
        var meta = parent.Obj("metadata") ?? new JsonObject();
        var scaleMeta = new JsonObject();
        foreach (var field in (string[])["name", "namespace", "uid", "resourceVersion", "creationTimestamp"])
            if (meta[field] is { } v) scaleMeta[field] = v.DeepClone();
        var spec = new JsonObject();
        // ScaleSpec.replicas is omitempty in autoscaling/v1, so zero replicas print as an empty spec.
        if ((parent.Obj("spec").Long("replicas") ?? 0) is var replicas and not 0) spec["replicas"] = replicas;
        var status = new JsonObject { ["replicas"] = parent.Obj("status").Long("replicas") ?? 0 };
        var selector = Selector(parent, reg);
        if (selector.Length > 0) status["selector"] = selector;
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = scaleMeta,
            ["spec"] = spec,
            ["status"] = status,
        };
    }

    /// <summary>
    /// Applies a client's Scale to the parent: replicas, and the Scale's resourceVersion as the update's precondition
    /// (a stale one makes the store answer 409). Invalid replicas are a 422 on the Scale, as kube-apiserver reports them.
    /// </summary>
    public static JsonObject Apply(JsonObject parent, JsonObject scale)
    {
        var name = parent.Obj("metadata").Str("name") ?? "";
        var replicas = scale.Obj("spec").Long("replicas") ?? 0;
        if (replicas < 0)
            throw ApiException.Invalid("autoscaling", "Scale", name,
                [FieldError.Invalid("spec.replicas", replicas, "must be greater than or equal to 0")]);
        if (scale.Obj("metadata").Str("name") is { Length: > 0 } scaleName && scaleName != name)
            throw ApiException.BadRequest($"the name of the object ({scaleName}) does not match the name on the URL ({name})");
        parent.Ensure("spec")["replicas"] = replicas;
        var meta = parent.Ensure("metadata");
        if (scale.Obj("metadata").Str("resourceVersion") is { Length: > 0 } rv) meta["resourceVersion"] = rv;
        else meta.Remove("resourceVersion");
        return parent;
    }

    /// <summary>ReplicationControllers select with a plain map; the apps kinds with a LabelSelector.</summary>
    private static string Selector(JsonObject parent, ResourceRegistration reg)
    {
        var selector = parent.Obj("spec").Obj("selector");
        return reg.Kind == "ReplicationController"
            ? SelectorMatch.FromMap(selector).ToString()
            : SelectorMatch.FromLabelSelector(selector).ToString();
    }
}
