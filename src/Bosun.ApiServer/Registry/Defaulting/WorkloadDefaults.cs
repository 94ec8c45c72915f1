using System.Text.Json.Nodes;
using static Bosun.ApiServer.Registry.Defaulting.JsonDefaults;

namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>
/// Defaults of the workload kinds (apps/v1, batch/v1, core/v1 ReplicationController and PodTemplate), as their
/// defaults.go files set them. Every workload also defaults its pod template's spec. Empty structs count as unset at
/// the member level, so a protobuf-created Deployment with <c>strategy: {}</c> still gets RollingUpdate 25%/25%.
/// </summary>
internal static class WorkloadDefaults
{
    public static void Deployment(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        Pointer(spec, "replicas", 1);
        var strategy = spec.Ensure("strategy");
        String(strategy, "type", "RollingUpdate");
        if (strategy.Str("type") == "RollingUpdate")
        {
            var rolling = strategy.Ensure("rollingUpdate");
            Pointer(rolling, "maxUnavailable", "25%");
            Pointer(rolling, "maxSurge", "25%");
        }
        Pointer(spec, "revisionHistoryLimit", 10);
        Pointer(spec, "progressDeadlineSeconds", 600);
        PodSpecDefaults.ApplyTemplate(spec.Ensure("template"));
    }

    public static void ReplicaSet(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        Pointer(spec, "replicas", 1);
        PodSpecDefaults.ApplyTemplate(spec.Ensure("template"));
    }

    /// <summary>An RC without a selector selects its template's labels, and takes them as its own labels when it has none.</summary>
    public static void ReplicationController(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        if (spec.Obj("template").Obj("metadata").Obj("labels") is { } labels)
        {
            if (spec.Obj("selector") is not { Count: > 0 }) spec["selector"] = labels.DeepClone();
            var meta = obj.Ensure("metadata");
            if (meta.Obj("labels") is not { Count: > 0 }) meta["labels"] = labels.DeepClone();
        }
        Pointer(spec, "replicas", 1);
        PodSpecDefaults.ApplyTemplate(spec.Obj("template"));
    }

    public static void StatefulSet(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        String(spec, "podManagementPolicy", "OrderedReady");
        var update = spec.Ensure("updateStrategy");
        String(update, "type", "RollingUpdate");
        if (update.Str("type") == "RollingUpdate") Pointer(update.Ensure("rollingUpdate"), "partition", 0);
        var retention = spec.Ensure("persistentVolumeClaimRetentionPolicy");
        String(retention, "whenDeleted", "Retain");
        String(retention, "whenScaled", "Retain");
        Pointer(spec, "replicas", 1);
        Pointer(spec, "revisionHistoryLimit", 10);
        PodSpecDefaults.ApplyTemplate(spec.Ensure("template"));
        foreach (var claim in Items(spec, "volumeClaimTemplates"))
            CoreDefaults.PersistentVolumeClaim(claim);
    }

    public static void DaemonSet(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        var update = spec.Ensure("updateStrategy");
        String(update, "type", "RollingUpdate");
        if (update.Str("type") == "RollingUpdate")
        {
            var rolling = update.Ensure("rollingUpdate");
            Pointer(rolling, "maxUnavailable", 1);
            Pointer(rolling, "maxSurge", 0);
        }
        Pointer(spec, "revisionHistoryLimit", 10);
        PodSpecDefaults.ApplyTemplate(spec.Ensure("template"));
    }

    /// <summary>
    /// batch/v1 SetDefaults_Job: a job with neither completions nor parallelism runs one pod once; backoffLimit 6
    /// (MaxInt32 with a per-index limit); the job takes its template's labels when it has none.
    /// </summary>
    public static void Job(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        JobSpec(spec);
        var templateLabels = spec.Obj("template").Obj("metadata").Obj("labels");
        var meta = obj.Ensure("metadata");
        if (templateLabels is not null && meta.Obj("labels") is not { Count: > 0 }) meta["labels"] = templateLabels.DeepClone();
    }

    private static void JobSpec(JsonObject spec)
    {
        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
            spec["parallelism"] = 1;
        }
        Pointer(spec, "parallelism", 1);
        Pointer(spec, "backoffLimit", spec["backoffLimitPerIndex"] is null ? 6 : int.MaxValue);
        String(spec, "completionMode", "NonIndexed");
        Pointer(spec, "suspend", false);
        Pointer(spec, "manualSelector", false);
        Pointer(spec, "podReplacementPolicy", spec["podFailurePolicy"] is null ? "TerminatingOrFailed" : "Failed");
        foreach (var rule in Items(spec.Obj("podFailurePolicy"), "rules"))
            foreach (var condition in Items(rule, "onPodConditions"))
                String(condition, "status", "True");
        PodSpecDefaults.ApplyTemplate(spec.Ensure("template"));
    }

    /// <summary>batch/v1 SetDefaults_CronJob; the job template's pod spec gets pod defaults, not Job defaults.</summary>
    public static void CronJob(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        String(spec, "concurrencyPolicy", "Allow");
        Pointer(spec, "suspend", false);
        Pointer(spec, "successfulJobsHistoryLimit", 3);
        Pointer(spec, "failedJobsHistoryLimit", 1);
        PodSpecDefaults.ApplyTemplate(spec.Ensure("jobTemplate").Ensure("spec").Ensure("template"));
    }

    public static void PodTemplate(JsonObject obj) => PodSpecDefaults.ApplyTemplate(obj.Ensure("template"));
}
