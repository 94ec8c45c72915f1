using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>
/// The selector a Job gets unless <c>spec.manualSelector</c> is true (batch strategy generateSelector, 1.32): the
/// template is labelled with the job's name and uid under both the legacy and the <c>batch.kubernetes.io/</c> keys
/// (user-set values win, and validation then reports any mismatch), and the selector matches the uid only.
/// </summary>
internal static class JobSelector
{
    public const string ControllerUid = "batch.kubernetes.io/controller-uid";
    public const string JobName = "batch.kubernetes.io/job-name";

    public static void Generate(JsonObject job)
    {
        var spec = job.Ensure("spec");
        if (spec["manualSelector"] is JsonValue v && v.TryGetValue<bool>(out var manual) && manual) return;
        var meta = job.Obj("metadata");
        var name = meta.Str("name") ?? "";
        var uid = meta.Str("uid") ?? "";
        var labels = spec.Ensure("template").Ensure("metadata").Ensure("labels");
        foreach (var (key, value) in new[] { ("controller-uid", uid), (ControllerUid, uid), ("job-name", name), (JobName, name) })
            if (!labels.ContainsKey(key)) labels[key] = value;
        var matchLabels = spec.Ensure("selector").Ensure("matchLabels");
        if (!matchLabels.ContainsKey(ControllerUid)) matchLabels[ControllerUid] = uid;
        // Kubernetes defaults a label-less Job's labels from its template whenever it decodes one, storage reads
        // included, so clients see the generated labels on the Job at once; Bosun stores them directly.
        var jobMeta = job.Ensure("metadata");
        if (jobMeta.Obj("labels") is not { Count: > 0 }) jobMeta["labels"] = labels.DeepClone();
    }
}
