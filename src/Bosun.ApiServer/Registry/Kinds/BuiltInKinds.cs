using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry.Allocation;
using Bosun.ApiServer.Registry.Checks;
using Bosun.ApiServer.Registry.Defaulting;
using k8s.Models;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>
/// Every built-in kind the server serves, in discovery order (kubectl's <c>get all</c> follows it).
/// One entry per served group-version-resource; a kind with its own rules names its strategy here.
/// </summary>
internal static class BuiltInKinds
{
    private static readonly string[] All = ["all"];

    /// <param name="services">The Service IP and node port allocator; a fresh one over 10.96.0.0/12 when null (tests).</param>
    public static IReadOnlyList<ResourceRegistration> Create(ServiceAllocator? services = null) =>
    [
        // core/v1
        Kind<V1Pod, V1PodList>("", "v1", "pods", true, status: true, shortNames: ["po"], categories: All,
            strategy: new PodStrategy(), returnsDeleted: true, fields: PodFields()) with { Evictable = true },
        Kind<V1ReplicationController, V1ReplicationControllerList>("", "v1", "replicationcontrollers", true, status: true, scale: true,
            shortNames: ["rc"], categories: All, generation: true, strategy: Strategies.ReplicationController, fields: Fields(("status.replicas", o => Path(o, "status", "replicas") ?? "0"))),
        Kind<V1Service, V1ServiceList>("", "v1", "services", true, status: true, shortNames: ["svc"], categories: All, returnsDeleted: true,
            strategy: new ServiceStrategy(services ?? DefaultServiceAllocator()), names: Bosun.Api.Validation.IsDns1035Label,
            fields: Fields(("spec.clusterIP", o => Path(o, "spec", "clusterIP")), ("spec.type", o => Path(o, "spec", "type")))),
        Kind<V1Namespace, V1NamespaceList>("", "v1", "namespaces", false, status: true, shortNames: ["ns"],
            strategy: new NamespaceStrategy(), returnsDeleted: true, names: Bosun.Api.Validation.IsDns1123Label, fields: Fields(("status.phase", o => Path(o, "status", "phase")))),
        Kind<V1Node, V1NodeList>("", "v1", "nodes", false, status: true, shortNames: ["no"], strategy: new NodeStrategy(),
            fields: Fields(("spec.unschedulable", o => Path(o, "spec", "unschedulable") ?? "false"))),
        Kind<V1Endpoints, V1EndpointsList>("", "v1", "endpoints", true, shortNames: ["ep"], strategy: new KindStrategy { Defaults = CoreDefaults.Endpoints }),
        Kind<V1ConfigMap, V1ConfigMapList>("", "v1", "configmaps", true, shortNames: ["cm"]),
        Kind<V1Secret, V1SecretList>("", "v1", "secrets", true, strategy: new KindStrategy { Defaults = CoreDefaults.Secret }, fields: Fields(("type", o => o.Str("type")))),
        Kind<V1ServiceAccount, V1ServiceAccountList>("", "v1", "serviceaccounts", true, shortNames: ["sa"]),
        Kind<Corev1Event, Corev1EventList>("", "v1", "events", true, shortNames: ["ev"], fields: EventFields()),
        Kind<V1PersistentVolume, V1PersistentVolumeList>("", "v1", "persistentvolumes", false, status: true, shortNames: ["pv"],
            strategy: new KindStrategy { Defaults = CoreDefaults.PersistentVolume }),
        Kind<V1PersistentVolumeClaim, V1PersistentVolumeClaimList>("", "v1", "persistentvolumeclaims", true, status: true, shortNames: ["pvc"],
            strategy: Strategies.PersistentVolumeClaim),
        Kind<V1LimitRange, V1LimitRangeList>("", "v1", "limitranges", true, shortNames: ["limits"]),
        Kind<V1ResourceQuota, V1ResourceQuotaList>("", "v1", "resourcequotas", true, status: true, shortNames: ["quota"]),
        Kind<V1PodTemplate, V1PodTemplateList>("", "v1", "podtemplates", true, strategy: Strategies.PodTemplate),
        // apps/v1
        Kind<V1DaemonSet, V1DaemonSetList>("apps", "v1", "daemonsets", true, status: true, shortNames: ["ds"], categories: All, generation: true,
            strategy: Strategies.DaemonSet),
        Kind<V1Deployment, V1DeploymentList>("apps", "v1", "deployments", true, status: true, scale: true, shortNames: ["deploy"], categories: All, generation: true,
            strategy: Strategies.Deployment),
        Kind<V1ReplicaSet, V1ReplicaSetList>("apps", "v1", "replicasets", true, status: true, scale: true, shortNames: ["rs"], categories: All, generation: true, strategy: Strategies.ReplicaSet,
            fields: Fields(("status.replicas", o => Path(o, "status", "replicas") ?? "0"))),
        Kind<V1StatefulSet, V1StatefulSetList>("apps", "v1", "statefulsets", true, status: true, scale: true, shortNames: ["sts"], categories: All, generation: true,
            strategy: Strategies.StatefulSet),
        Kind<V1ControllerRevision, V1ControllerRevisionList>("apps", "v1", "controllerrevisions", true),
        // events.k8s.io/v1
        Kind<Eventsv1Event, Eventsv1EventList>("events.k8s.io", "v1", "events", true, shortNames: ["ev"]),
        // autoscaling: v2 is preferred and stored; v1 is served by conversion.
        Kind<V2HorizontalPodAutoscaler, V2HorizontalPodAutoscalerList>("autoscaling", "v2", "horizontalpodautoscalers", true, status: true,
            shortNames: ["hpa"], categories: All, generation: true, strategy: new KindStrategy { Defaults = CoreDefaults.HorizontalPodAutoscaler }),
        Kind<V1HorizontalPodAutoscaler, V1HorizontalPodAutoscalerList>("autoscaling", "v1", "horizontalpodautoscalers", true, status: true,
            shortNames: ["hpa"], categories: All, generation: true, strategy: new KindStrategy { Defaults = CoreDefaults.HorizontalPodAutoscalerV1 })
            with { Converter = new HorizontalPodAutoscalerV1Converter(), Preferred = false },
        // batch/v1
        Kind<V1CronJob, V1CronJobList>("batch", "v1", "cronjobs", true, status: true, shortNames: ["cj"], categories: All, generation: true,
            strategy: Strategies.CronJob),
        Kind<V1Job, V1JobList>("batch", "v1", "jobs", true, status: true, categories: All, generation: true, strategy: Strategies.Job,
            fields: Fields(("status.successful", o => Path(o, "status", "succeeded") ?? "0"))),
        // networking.k8s.io/v1
        Kind<V1IngressClass, V1IngressClassList>("networking.k8s.io", "v1", "ingressclasses", false),
        Kind<V1Ingress, V1IngressList>("networking.k8s.io", "v1", "ingresses", true, status: true, shortNames: ["ing"], generation: true),
        Kind<V1NetworkPolicy, V1NetworkPolicyList>("networking.k8s.io", "v1", "networkpolicies", true, shortNames: ["netpol"], generation: true,
            strategy: new KindStrategy { Defaults = ClusterDefaults.NetworkPolicy }),
        // policy/v1
        Kind<V1PodDisruptionBudget, V1PodDisruptionBudgetList>("policy", "v1", "poddisruptionbudgets", true, status: true, shortNames: ["pdb"], generation: true),
        // rbac.authorization.k8s.io/v1
        Kind<V1ClusterRoleBinding, V1ClusterRoleBindingList>("rbac.authorization.k8s.io", "v1", "clusterrolebindings", false,
            strategy: new KindStrategy { Defaults = ClusterDefaults.RoleBinding }, names: Bosun.Api.Validation.IsValidPathSegmentName),
        Kind<V1ClusterRole, V1ClusterRoleList>("rbac.authorization.k8s.io", "v1", "clusterroles", false, names: Bosun.Api.Validation.IsValidPathSegmentName),
        Kind<V1RoleBinding, V1RoleBindingList>("rbac.authorization.k8s.io", "v1", "rolebindings", true,
            strategy: new KindStrategy { Defaults = ClusterDefaults.RoleBinding }, names: Bosun.Api.Validation.IsValidPathSegmentName),
        Kind<V1Role, V1RoleList>("rbac.authorization.k8s.io", "v1", "roles", true, names: Bosun.Api.Validation.IsValidPathSegmentName),
        // storage.k8s.io/v1
        Kind<V1StorageClass, V1StorageClassList>("storage.k8s.io", "v1", "storageclasses", false, shortNames: ["sc"],
            strategy: new KindStrategy { Defaults = ClusterDefaults.StorageClass }),
        // scheduling.k8s.io/v1
        Kind<V1PriorityClass, V1PriorityClassList>("scheduling.k8s.io", "v1", "priorityclasses", false, shortNames: ["pc"],
            strategy: new KindStrategy { Defaults = ClusterDefaults.PriorityClass }),
        // coordination.k8s.io/v1
        Kind<V1Lease, V1LeaseList>("coordination.k8s.io", "v1", "leases", true),
        // discovery.k8s.io/v1
        Kind<V1EndpointSlice, V1EndpointSliceList>("discovery.k8s.io", "v1", "endpointslices", true,
            strategy: new KindStrategy { Defaults = CoreDefaults.EndpointSlice }),
    ];

    /// <summary>The default Service ranges: 10.96.0.0/12 and node ports 30000-32767.</summary>
    private static ServiceAllocator DefaultServiceAllocator() =>
        new(new ClusterIpRange(System.Net.IPNetwork.Parse("10.96.0.0/12")), new NodePortRange());

    private static ResourceRegistration Kind<TModel, TList>(string group, string version, string resource, bool namespaced,
        bool status = false, bool scale = false, string[]? shortNames = null, string[]? categories = null,
        IResourceStrategy? strategy = null, bool returnsDeleted = false, bool generation = false,
        Dictionary<string, Func<JsonObject, string?>>? fields = null, Func<string, IEnumerable<string>>? names = null) => new()
    {
        Group = group,
        Version = version,
        Resource = resource,
        Kind = KindName(typeof(TModel)),
        Namespaced = namespaced,
        ModelType = typeof(TModel),
        ListModelType = typeof(TList),
        HasStatus = status,
        HasScale = scale,
        ShortNames = shortNames ?? [],
        Categories = categories ?? [],
        Strategy = strategy ?? DefaultStrategy.Instance,
        ReturnsDeletedObject = returnsDeleted,
        TracksGeneration = generation,
        FieldLabels = fields ?? [],
        NameValidation = names ?? Bosun.Api.Validation.IsDns1123Subdomain,
    };

    /// <summary>The Kubernetes kind of a KubernetesClient model, read from its <c>KubeKind</c> constant.</summary>
    private static string KindName(Type model) =>
        model.GetField("KubeKind")?.GetValue(null) as string ?? throw new InvalidOperationException($"{model} has no KubeKind");

    private static Dictionary<string, Func<JsonObject, string?>> Fields(params (string Label, Func<JsonObject, string?> Get)[] fields) =>
        fields.ToDictionary(f => f.Label, f => f.Get);

    /// <summary>A scalar at a path, rendered as a field selector compares it (bools and numbers as text).</summary>
    internal static string? Path(JsonObject o, params string[] path)
    {
        JsonNode? node = o;
        foreach (var p in path) node = (node as JsonObject)?[p];
        return node is JsonValue v ? v.ToString() switch { "True" => "true", "False" => "false", var s => s } : null;
    }

    private static Dictionary<string, Func<JsonObject, string?>> PodFields() => Fields(
        ("spec.nodeName", o => Path(o, "spec", "nodeName") ?? ""),
        ("spec.restartPolicy", o => Path(o, "spec", "restartPolicy") ?? ""),
        ("spec.schedulerName", o => Path(o, "spec", "schedulerName") ?? ""),
        ("spec.serviceAccountName", o => Path(o, "spec", "serviceAccountName") ?? ""),
        ("spec.hostNetwork", o => Path(o, "spec", "hostNetwork") ?? "false"),
        ("status.phase", o => Path(o, "status", "phase") ?? ""),
        ("status.podIP", o => Path(o, "status", "podIP") ?? ""),
        ("status.nominatedNodeName", o => Path(o, "status", "nominatedNodeName") ?? ""));

    private static Dictionary<string, Func<JsonObject, string?>> EventFields() => Fields(
        ("involvedObject.kind", o => Path(o, "involvedObject", "kind") ?? ""),
        ("involvedObject.namespace", o => Path(o, "involvedObject", "namespace") ?? ""),
        ("involvedObject.name", o => Path(o, "involvedObject", "name") ?? ""),
        ("involvedObject.uid", o => Path(o, "involvedObject", "uid") ?? ""),
        ("involvedObject.apiVersion", o => Path(o, "involvedObject", "apiVersion") ?? ""),
        ("involvedObject.resourceVersion", o => Path(o, "involvedObject", "resourceVersion") ?? ""),
        ("involvedObject.fieldPath", o => Path(o, "involvedObject", "fieldPath") ?? ""),
        ("reason", o => o.Str("reason") ?? ""),
        ("reportingComponent", o => o.Str("reportingComponent") ?? ""),
        ("source", o => Path(o, "source", "component") ?? ""),
        ("type", o => o.Str("type") ?? ""));
}
