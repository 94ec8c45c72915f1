using Bosun.Api;
using k8s;
using k8s.Models;

namespace Bosun.Controllers.ReplicaSets;

/// <summary>The replica counts a ReplicaSet or ReplicationController reports in its status.</summary>
internal readonly record struct ReplicaStatus(int Replicas, int FullyLabeledReplicas, int ReadyReplicas, int AvailableReplicas, long? ObservedGeneration);

/// <summary>
/// How the replica controller reads and writes one kind: ReplicaSet and ReplicationController differ only in where the
/// selector lives and in their status types, so one controller serves both through this adapter (as upstream does).
/// </summary>
internal sealed record ReplicaKind<T>(
    string ControllerName,
    string ApiVersion,
    string Kind,
    Func<T, int> Replicas,
    Func<T, LabelSelector> Selector,
    Func<T, V1PodTemplateSpec?> Template,
    Func<T, int> MinReadySeconds,
    Func<T, ReplicaStatus> ReadStatus,
    Action<T, ReplicaStatus> WriteStatus) where T : class, IKubernetesObject<V1ObjectMeta>;

/// <summary>The two kinds the replica controller manages.</summary>
internal static class ReplicaKinds
{
    public static readonly ReplicaKind<V1ReplicaSet> ReplicaSets = new(
        "replicaset", "apps/v1", "ReplicaSet",
        rs => rs.Spec?.Replicas ?? 1,
        rs => LabelSelector.FromLabelSelector(rs.Spec?.Selector),
        rs => rs.Spec?.Template,
        rs => rs.Spec?.MinReadySeconds ?? 0,
        rs => rs.Status is { } s
            ? new ReplicaStatus(s.Replicas, s.FullyLabeledReplicas ?? 0, s.ReadyReplicas ?? 0, s.AvailableReplicas ?? 0, s.ObservedGeneration)
            : default,
        (rs, s) =>
        {
            rs.Status ??= new V1ReplicaSetStatus();
            rs.Status.Replicas = s.Replicas;
            rs.Status.FullyLabeledReplicas = s.FullyLabeledReplicas;
            rs.Status.ReadyReplicas = s.ReadyReplicas;
            rs.Status.AvailableReplicas = s.AvailableReplicas;
            rs.Status.ObservedGeneration = s.ObservedGeneration;
        });

    public static readonly ReplicaKind<V1ReplicationController> ReplicationControllers = new(
        "replicationcontroller", "v1", "ReplicationController",
        rc => rc.Spec?.Replicas ?? 1,
        // An unset selector means "the template's labels" (the API server's defaulting, which may not have run).
        rc => LabelSelector.FromLabelSelector(new V1LabelSelector
        {
            MatchLabels = rc.Spec?.Selector is { Count: > 0 } s ? s : rc.Spec?.Template?.Metadata?.Labels ?? new Dictionary<string, string>(),
        }),
        rc => rc.Spec?.Template,
        rc => rc.Spec?.MinReadySeconds ?? 0,
        rc => rc.Status is { } s
            ? new ReplicaStatus(s.Replicas, s.FullyLabeledReplicas ?? 0, s.ReadyReplicas ?? 0, s.AvailableReplicas ?? 0, s.ObservedGeneration)
            : default,
        (rc, s) =>
        {
            rc.Status ??= new V1ReplicationControllerStatus();
            rc.Status.Replicas = s.Replicas;
            rc.Status.FullyLabeledReplicas = s.FullyLabeledReplicas;
            rc.Status.ReadyReplicas = s.ReadyReplicas;
            rc.Status.AvailableReplicas = s.AvailableReplicas;
            rc.Status.ObservedGeneration = s.ObservedGeneration;
        });
}
