using Bosun.ApiServer.Registry.Checks;
using Bosun.ApiServer.Registry.Defaulting;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>The function-assembled strategies of the workload and storage kinds: which defaults, checks and immutable-field rules each uses.</summary>
internal static class Strategies
{
    public static KindStrategy Deployment => new()
    {
        Defaults = WorkloadDefaults.Deployment,
        Checks = WorkloadChecks.Deployment,
        UpdateChecks = WorkloadChecks.SelectorUnchanged,
    };

    public static KindStrategy ReplicaSet => new()
    {
        Defaults = WorkloadDefaults.ReplicaSet,
        Checks = o => WorkloadChecks.SelectorWorkload(o, "replicaset", hasReplicas: true),
        UpdateChecks = WorkloadChecks.SelectorUnchanged,
    };

    public static KindStrategy DaemonSet => new()
    {
        Defaults = WorkloadDefaults.DaemonSet,
        Checks = o => WorkloadChecks.SelectorWorkload(o, "daemonset", hasReplicas: false),
        UpdateChecks = WorkloadChecks.SelectorUnchanged,
    };

    public static KindStrategy StatefulSet => new()
    {
        Defaults = WorkloadDefaults.StatefulSet,
        Checks = WorkloadChecks.StatefulSet,
        UpdateChecks = (o, old) => WorkloadChecks.SelectorUnchanged(o, old).Concat(WorkloadChecks.StatefulSetUpdate(o, old)),
    };

    public static KindStrategy ReplicationController => new()
    {
        Defaults = WorkloadDefaults.ReplicationController,
        Checks = WorkloadChecks.ReplicationController,
    };

    public static KindStrategy Job => new()
    {
        Defaults = WorkloadDefaults.Job,
        OnCreate = JobSelector.Generate,
        Checks = WorkloadChecks.Job,
        UpdateChecks = WorkloadChecks.JobUpdate,
    };

    public static KindStrategy CronJob => new()
    {
        Defaults = WorkloadDefaults.CronJob,
        Checks = WorkloadChecks.CronJob,
    };

    public static KindStrategy PodTemplate => new()
    {
        Defaults = WorkloadDefaults.PodTemplate,
        Checks = o => PodSpecChecks.Validate(o.Obj("template").Obj("spec"), "template.spec"),
    };

    /// <summary>A bound claim's spec may only grow its storage request; Bosun keeps the whole spec fixed but for resources.</summary>
    public static KindStrategy PersistentVolumeClaim => new()
    {
        Defaults = CoreDefaults.PersistentVolumeClaim,
        UpdateChecks = PvcChecks.ValidateUpdate,
    };
}
