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
            [("", "pods")] = PodPrinter.Convertor,
            [("", "podtemplates")] = WorkloadPrinters.PodTemplates,
            [("", "replicationcontrollers")] = WorkloadPrinters.ReplicationControllers,
            [("", "services")] = ServicePrinters.Services,
            [("", "endpoints")] = ServicePrinters.Endpoints,
            [("", "nodes")] = NodePrinter.Convertor,
            [("", "namespaces")] = CorePrinters.Namespaces,
            [("", "events")] = EventPrinter.Core,
            [("", "configmaps")] = CorePrinters.ConfigMaps,
            [("", "secrets")] = CorePrinters.Secrets,
            [("", "serviceaccounts")] = CorePrinters.ServiceAccounts,
            [("", "persistentvolumes")] = StoragePrinters.PersistentVolumes,
            [("", "persistentvolumeclaims")] = StoragePrinters.PersistentVolumeClaims,
            [("", "resourcequotas")] = CorePrinters.ResourceQuotas,
            [("apps", "replicasets")] = WorkloadPrinters.ReplicaSets,
            [("apps", "deployments")] = WorkloadPrinters.Deployments,
            [("apps", "statefulsets")] = WorkloadPrinters.StatefulSets,
            [("apps", "daemonsets")] = WorkloadPrinters.DaemonSets,
            [("apps", "controllerrevisions")] = WorkloadPrinters.ControllerRevisions,
            [("batch", "jobs")] = BatchPrinters.Jobs,
            [("batch", "cronjobs")] = BatchPrinters.CronJobs,
            [("autoscaling", "horizontalpodautoscalers")] = HpaPrinter.Convertor,
            [("policy", "poddisruptionbudgets")] = PolicyPrinters.PodDisruptionBudgets,
            [("discovery.k8s.io", "endpointslices")] = ServicePrinters.EndpointSlices,
            [("networking.k8s.io", "ingresses")] = NetworkingPrinters.Ingresses,
            [("networking.k8s.io", "ingressclasses")] = NetworkingPrinters.IngressClasses,
            [("networking.k8s.io", "networkpolicies")] = NetworkingPrinters.NetworkPolicies,
            [("events.k8s.io", "events")] = EventPrinter.EventsApi,
            [("coordination.k8s.io", "leases")] = PolicyPrinters.Leases,
            [("rbac.authorization.k8s.io", "rolebindings")] = PolicyPrinters.RoleBindings,
            [("rbac.authorization.k8s.io", "clusterrolebindings")] = PolicyPrinters.ClusterRoleBindings,
            [("storage.k8s.io", "storageclasses")] = StoragePrinters.StorageClasses,
            [("scheduling.k8s.io", "priorityclasses")] = PolicyPrinters.PriorityClasses,
            [("node.k8s.io", "runtimeclasses")] = PolicyPrinters.RuntimeClasses,
            [("", "componentstatuses")] = ClusterPrinters.ComponentStatuses,
            [("certificates.k8s.io", "certificatesigningrequests")] = ClusterPrinters.CertificateSigningRequests,
            [("storage.k8s.io", "volumeattachments")] = ClusterPrinters.VolumeAttachments,
            [("storage.k8s.io", "csinodes")] = ClusterPrinters.CsiNodes,
            [("storage.k8s.io", "csidrivers")] = ClusterPrinters.CsiDrivers,
            [("admissionregistration.k8s.io", "mutatingwebhookconfigurations")] = PolicyPrinters.WebhookConfigurations,
            [("admissionregistration.k8s.io", "validatingwebhookconfigurations")] = PolicyPrinters.WebhookConfigurations,
        }.ToFrozenDictionary();

    /// <summary>The Name / Created At convertor used for kinds without a printer (roles, limitranges, custom resources).</summary>
    public static TableConvertor Default => DefaultPrinter.Convertor;

    /// <summary>
    /// The convertor for a custom resource without additionalPrinterColumns: Name and Age, where Age is a <c>date</c>
    /// column whose cell is nevertheless rendered as an age, as apiextensions-apiserver does.
    /// </summary>
    public static TableConvertor CustomResourceDefault => DefaultPrinter.CustomResource;

    /// <summary>The convertor for <paramref name="resource"/> in <paramref name="group"/> ("" for core), or <see cref="Default"/>.</summary>
    public static TableConvertor For(string group, string resource) =>
        ByResource.TryGetValue((group, resource), out var convertor) ? convertor : Default;
}
