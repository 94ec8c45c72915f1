using k8s.Models;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// The strategic-merge facts of the built-in models as one table, keyed by KubernetesClient model type and JSON field
/// name. The C# models carry none of Go's <c>patchStrategy</c>/<c>patchMergeKey</c> tags, so they are restated here from
/// k8s.io/api (1.32). A list field that is not listed is replaced wholesale by a patch (atomic for server-side apply).
/// </summary>
internal static class PatchMeta
{
    private static readonly ListFacts ByName = new(true, "name");
    private static readonly ListFacts ByType = new(true, "type");
    private static readonly ListFacts ByIp = new(true, "ip");
    private static readonly ListFacts PrimitiveSet = new(true, null);

    private static readonly Dictionary<(Type, string), ListFacts> Facts = new()
    {
        // meta/v1 ObjectMeta
        [(typeof(V1ObjectMeta), "finalizers")] = PrimitiveSet,
        [(typeof(V1ObjectMeta), "ownerReferences")] = new(true, "uid"),

        // core/v1 PodSpec
        [(typeof(V1PodSpec), "volumes")] = new(true, "name", RetainKeys: true),
        [(typeof(V1PodSpec), "initContainers")] = ByName,
        [(typeof(V1PodSpec), "containers")] = ByName,
        [(typeof(V1PodSpec), "ephemeralContainers")] = ByName,
        [(typeof(V1PodSpec), "imagePullSecrets")] = ByName,
        [(typeof(V1PodSpec), "hostAliases")] = ByIp,
        // The SMP key is topologyKey alone; apply keys items on the pair (listMapKey topologyKey + whenUnsatisfiable).
        [(typeof(V1PodSpec), "topologySpreadConstraints")] = new(true, "topologyKey", ApplyKeys: ["topologyKey", "whenUnsatisfiable"]),
        [(typeof(V1PodSpec), "schedulingGates")] = ByName,
        [(typeof(V1PodSpec), "resourceClaims")] = new(true, "name", RetainKeys: true),

        // core/v1 Container and EphemeralContainer (same Go fields via EphemeralContainerCommon)
        [(typeof(V1Container), "ports")] = new(true, "containerPort", ApplyKeys: ["containerPort", "protocol"]),
        [(typeof(V1Container), "env")] = ByName,
        [(typeof(V1Container), "volumeMounts")] = new(true, "mountPath"),
        [(typeof(V1Container), "volumeDevices")] = new(true, "devicePath"),
        [(typeof(V1EphemeralContainer), "ports")] = new(true, "containerPort", ApplyKeys: ["containerPort", "protocol"]),
        [(typeof(V1EphemeralContainer), "env")] = ByName,
        [(typeof(V1EphemeralContainer), "volumeMounts")] = new(true, "mountPath"),
        [(typeof(V1EphemeralContainer), "volumeDevices")] = new(true, "devicePath"),

        // core/v1 status and others
        [(typeof(V1PodStatus), "conditions")] = ByType,
        [(typeof(V1PodStatus), "podIPs")] = ByIp,
        [(typeof(V1PodStatus), "hostIPs")] = ByIp,
        [(typeof(V1PodStatus), "resourceClaimStatuses")] = new(true, "name", RetainKeys: true),
        [(typeof(V1NodeSpec), "podCIDRs")] = PrimitiveSet,
        [(typeof(V1NodeStatus), "conditions")] = ByType,
        [(typeof(V1NodeStatus), "addresses")] = ByType,
        [(typeof(V1NamespaceStatus), "conditions")] = ByType,
        [(typeof(V1PersistentVolumeClaimStatus), "conditions")] = ByType,
        [(typeof(V1ReplicationControllerStatus), "conditions")] = ByType,
        [(typeof(V1ServiceStatus), "conditions")] = ByType,
        [(typeof(V1ServiceAccount), "secrets")] = ByName,
        // Service ports merge by port; apply keys them on port + protocol.
        [(typeof(V1ServiceSpec), "ports")] = new(true, "port", ApplyKeys: ["port", "protocol"]),

        // apps/v1, batch/v1, autoscaling/v2
        [(typeof(V1DeploymentSpec), "strategy")] = new(false, null, RetainKeys: true),
        [(typeof(V1DeploymentStatus), "conditions")] = ByType,
        [(typeof(V1ReplicaSetStatus), "conditions")] = ByType,
        [(typeof(V1DaemonSetStatus), "conditions")] = ByType,
        [(typeof(V1StatefulSetStatus), "conditions")] = ByType,
        [(typeof(V1JobStatus), "conditions")] = ByType,
        [(typeof(V2HorizontalPodAutoscalerStatus), "conditions")] = ByType,
        [(typeof(V1PodDisruptionBudgetStatus), "conditions")] = ByType,
    };

    /// <summary>Structs kube marks <c>+structType=atomic</c>: apply owns them as one value.</summary>
    private static readonly HashSet<Type> AtomicStructs = [typeof(V1LabelSelector)];

    public static ListFacts? Find(Type parent, string field) => Facts.GetValueOrDefault((parent, field));

    public static bool IsAtomicStruct(Type type) => AtomicStructs.Contains(type);
}
