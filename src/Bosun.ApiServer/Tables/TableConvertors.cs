using System.Collections.Frozen;
using Bosun.ApiServer.Tables.Printers;

namespace Bosun.ApiServer.Tables;

/// <summary>
/// The registry of convertors by API group and resource, mirroring which kinds kube-apiserver has printers for.
/// Versions of one group share a printer there too (autoscaling/v1 and v2 HPAs, for example).
/// </summary>
internal static class TableConvertors
{
    private static readonly FrozenDictionary<(string Group, string Resource), TableConvertor> ByResource =
        new Dictionary<(string, string), TableConvertor>
        {
            [("", "pods")] = PodTable.Convertor,
            [("", "podtemplates")] = WorkloadTables.PodTemplates,
            [("", "replicationcontrollers")] = WorkloadTables.ReplicationControllers,
            [("", "services")] = ServiceTables.Services,
            [("", "endpoints")] = ServiceTables.Endpoints,
            [("", "nodes")] = NodeTable.Convertor,
            [("", "namespaces")] = CoreTables.Namespaces,
            [("", "events")] = EventTable.Core,
            [("", "configmaps")] = CoreTables.ConfigMaps,
            [("", "secrets")] = CoreTables.Secrets,
            [("", "serviceaccounts")] = CoreTables.ServiceAccounts,
            [("", "persistentvolumes")] = StorageTables.PersistentVolumes,
            [("", "persistentvolumeclaims")] = StorageTables.PersistentVolumeClaims,
            [("", "resourcequotas")] = CoreTables.ResourceQuotas,
            [("apps", "replicasets")] = WorkloadTables.ReplicaSets,
            [("apps", "deployments")] = WorkloadTables.Deployments,
            [("apps", "statefulsets")] = WorkloadTables.StatefulSets,
            [("apps", "daemonsets")] = WorkloadTables.DaemonSets,
            [("apps", "controllerrevisions")] = WorkloadTables.ControllerRevisions,
            [("batch", "jobs")] = BatchTables.Jobs,
            [("batch", "cronjobs")] = BatchTables.CronJobs,
            [("autoscaling", "horizontalpodautoscalers")] = HorizontalPodAutoscalerTable.Convertor,
            [("policy", "poddisruptionbudgets")] = PolicyTables.PodDisruptionBudgets,
            [("discovery.k8s.io", "endpointslices")] = ServiceTables.EndpointSlices,
            [("networking.k8s.io", "ingresses")] = NetworkingTables.Ingresses,
            [("networking.k8s.io", "ingressclasses")] = NetworkingTables.IngressClasses,
            [("networking.k8s.io", "networkpolicies")] = NetworkingTables.NetworkPolicies,
            [("events.k8s.io", "events")] = EventTable.EventsApi,
            [("coordination.k8s.io", "leases")] = PolicyTables.Leases,
            [("rbac.authorization.k8s.io", "rolebindings")] = PolicyTables.RoleBindings,
            [("rbac.authorization.k8s.io", "clusterrolebindings")] = PolicyTables.ClusterRoleBindings,
            [("storage.k8s.io", "storageclasses")] = StorageTables.StorageClasses,
            [("scheduling.k8s.io", "priorityclasses")] = PolicyTables.PriorityClasses,
            [("node.k8s.io", "runtimeclasses")] = PolicyTables.RuntimeClasses,
            [("", "componentstatuses")] = ClusterTables.ComponentStatuses,
            [("certificates.k8s.io", "certificatesigningrequests")] = ClusterTables.CertificateSigningRequests,
            [("storage.k8s.io", "volumeattachments")] = ClusterTables.VolumeAttachments,
            [("storage.k8s.io", "csinodes")] = ClusterTables.CsiNodes,
            [("storage.k8s.io", "csidrivers")] = ClusterTables.CsiDrivers,
            [("admissionregistration.k8s.io", "mutatingwebhookconfigurations")] = PolicyTables.WebhookConfigurations,
            [("admissionregistration.k8s.io", "validatingwebhookconfigurations")] = PolicyTables.WebhookConfigurations,
        }.ToFrozenDictionary();

    /// <summary>The Name / Created At convertor used for kinds without a printer (roles, limitranges, custom resources).</summary>
    public static TableConvertor Default => DefaultTable.Convertor;

    /// <summary>
    /// The convertor for a custom resource without additionalPrinterColumns: Name and Age, where Age is a <c>date</c>
    /// column whose cell is nevertheless rendered as an age, as apiextensions-apiserver does.
    /// </summary>
    public static TableConvertor CustomResourceDefault => DefaultTable.CustomResource;

    /// <summary>The convertor for <paramref name="resource"/> in <paramref name="group"/> ("" for core), or <see cref="Default"/>.</summary>
    public static TableConvertor For(string group, string resource) =>
        ByResource.TryGetValue((group, resource), out var convertor) ? convertor : Default;
}
