namespace Bosun.ApiServer.Authorization;

/// <summary>
/// The default ClusterRoles kube-apiserver creates (rbac bootstrappolicy/policy.go and controller_policy.go), trimmed to
/// the resources Bosun serves. admin, edit and view aggregate the <c>system:aggregate-to-*</c> roles.
/// </summary>
internal static class BootstrapRoles
{
    public static readonly string[] Read = ["get", "list", "watch"];
    public static readonly string[] Write = ["create", "delete", "deletecollection", "patch", "update"];
    public static readonly string[] ReadWrite = [.. Read, .. Write];
    private static readonly string[] Create = ["create"];
    private static readonly string[] GetOnly = ["get"];

    public const string AggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin";
    public const string AggregateToEdit = "rbac.authorization.k8s.io/aggregate-to-edit";
    public const string AggregateToView = "rbac.authorization.k8s.io/aggregate-to-view";

    private static PolicyRule R(string[] verbs, string group, params string[] resources) => PolicyRule.ForResources(verbs, [group], resources);

    public static IReadOnlyList<PolicyRule> AggregateToViewRules { get; } =
    [
        R(Read, "", "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "replicationcontrollers",
            "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"),
        R(Read, "", "bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status", "replicationcontrollers/status",
            "resourcequotas", "resourcequotas/status"),
        R(Read, "", "namespaces"),
        R(Read, "discovery.k8s.io", "endpointslices"),
        R(Read, "apps", "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
            "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"),
        R(Read, "autoscaling", "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
        R(Read, "batch", "cronjobs", "cronjobs/status", "jobs", "jobs/status"),
        R(Read, "policy", "poddisruptionbudgets", "poddisruptionbudgets/status"),
        R(Read, "networking.k8s.io", "ingresses", "ingresses/status", "networkpolicies"),
    ];

    public static IReadOnlyList<PolicyRule> AggregateToEditRules { get; } =
    [
        R(["impersonate"], "", "serviceaccounts"),
        R(ReadWrite, "", "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"),
        R(Create, "", "pods/eviction"),
        R(ReadWrite, "", "configmaps", "events", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "secrets",
            "serviceaccounts", "services", "services/proxy"),
        R(Create, "", "serviceaccounts/token"),
        R(ReadWrite, "apps", "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale",
            "statefulsets", "statefulsets/scale"),
        R(ReadWrite, "autoscaling", "horizontalpodautoscalers"),
        R(ReadWrite, "batch", "cronjobs", "jobs"),
        R(ReadWrite, "policy", "poddisruptionbudgets"),
        R(ReadWrite, "networking.k8s.io", "ingresses", "networkpolicies"),
        R(ReadWrite, "discovery.k8s.io", "endpointslices"),
        R(ReadWrite, "", "endpoints"),
        R(Read, "", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"),
    ];

    public static IReadOnlyList<PolicyRule> AggregateToAdminRules { get; } =
    [
        R(Create, "authorization.k8s.io", "localsubjectaccessreviews"),
        R(ReadWrite, "rbac.authorization.k8s.io", "rolebindings", "roles"),
    ];

    public static IReadOnlyList<PolicyRule> ClusterAdmin { get; } =
    [
        PolicyRule.ForResources(["*"], ["*"], ["*"]),
        PolicyRule.ForUrls(["*"], ["*"]),
    ];

    public static IReadOnlyList<PolicyRule> Discovery { get; } =
    [
        PolicyRule.ForUrls(GetOnly, ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"]),
    ];

    public static IReadOnlyList<PolicyRule> PublicInfoViewer { get; } =
    [
        PolicyRule.ForUrls(GetOnly, ["/healthz", "/livez", "/readyz", "/version", "/version/"]),
    ];

    public static IReadOnlyList<PolicyRule> BasicUser { get; } =
    [
        R(Create, "authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
        R(Create, "authentication.k8s.io", "selfsubjectreviews"),
    ];

    public static IReadOnlyList<PolicyRule> Monitoring { get; } =
    [
        PolicyRule.ForUrls(GetOnly, ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*"]),
    ];

    public static IReadOnlyList<PolicyRule> ServiceAccountIssuerDiscovery { get; } =
    [
        PolicyRule.ForUrls(GetOnly, ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"]),
    ];

    /// <summary>
    /// Bosun's scheduler runs in one process with one identity; upstream's role for it plus leader election on leases.
    /// </summary>
    public static IReadOnlyList<PolicyRule> KubeScheduler { get; } =
    [
        R(["create", "patch", "update"], "", "events"),
        R(["create", "patch", "update"], "events.k8s.io", "events"),
        R(Create, "coordination.k8s.io", "leases"),
        R(["get", "update"], "coordination.k8s.io", "leases"),
        R(["create"], "", "endpoints"),
        R(["get", "update"], "", "endpoints"),
        R(Read, "", "nodes"),
        R(["delete", "get", "list", "watch"], "", "pods"),
        R(Create, "", "bindings", "pods/binding"),
        R(["patch", "update"], "", "pods/status"),
        R(Read, "", "replicationcontrollers", "services"),
        R(Read, "apps", "replicasets", "statefulsets"),
        R(Read, "policy", "poddisruptionbudgets"),
        R(Read, "", "persistentvolumeclaims", "persistentvolumes"),
        // system:volume-scheduler: volume binding pre-binds volumes and marks claims with the selected node.
        R(["patch", "update"], "", "persistentvolumeclaims", "persistentvolumes"),
        R(Create, "authentication.k8s.io", "tokenreviews"),
        R(Create, "authorization.k8s.io", "subjectaccessreviews"),
        R(Read, "storage.k8s.io", "csinodes", "csidrivers", "csistoragecapacities", "storageclasses", "volumeattachments"),
        R(Read, "", "namespaces", "configmaps"),
        R(Read, "resource.k8s.io", "*"),
        R(Read, "scheduling.k8s.io", "priorityclasses"),
    ];

    /// <summary>
    /// Upstream runs each controller under its own service account; Bosun's controller manager runs them all in one
    /// process under <c>system:kube-controller-manager</c>, so that role holds what the controllers together need.
    /// </summary>
    public static IReadOnlyList<PolicyRule> KubeControllerManager { get; } =
    [
        PolicyRule.ForResources(ReadWrite, ["", "apps", "batch", "autoscaling", "policy", "discovery.k8s.io", "coordination.k8s.io",
            "events.k8s.io", "networking.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "node.k8s.io", "rbac.authorization.k8s.io",
            "certificates.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "flowcontrol.apiserver.k8s.io", "resource.k8s.io",
            "metrics.k8s.io", "bosun.dev"], ["*"]),
        R(["approve"], "certificates.k8s.io", "signers"),
        R(["sign"], "certificates.k8s.io", "signers"),
        R(["escalate", "bind"], "rbac.authorization.k8s.io", "clusterroles", "roles"),
        R(Create, "authentication.k8s.io", "tokenreviews"),
        R(Create, "authorization.k8s.io", "subjectaccessreviews"),
        PolicyRule.ForUrls(GetOnly, ["/metrics", "/healthz", "/readyz", "/livez"]),
    ];

    public static IReadOnlyList<PolicyRule> Node { get; } =
    [
        R(Create, "authentication.k8s.io", "tokenreviews"),
        R(Create, "authorization.k8s.io", "localsubjectaccessreviews", "subjectaccessreviews"),
        R(Read, "", "services"),
        R(["create", "get", "list", "watch"], "", "nodes"),
        R(["patch", "update"], "", "nodes/status"),
        R(["patch", "update"], "", "nodes"),
        R(["create", "patch", "update"], "", "events"),
        R(Read, "", "pods"),
        R(["create", "delete"], "", "pods"),
        R(["patch", "update"], "", "pods/status"),
        R(Create, "", "pods/eviction"),
        R(GetOnly, "", "configmaps", "secrets"),
        R(GetOnly, "", "persistentvolumeclaims", "persistentvolumes"),
        R(GetOnly, "", "endpoints"),
        R(["get", "update", "patch"], "", "persistentvolumeclaims/status"),
        R(GetOnly, "storage.k8s.io", "volumeattachments"),
        R(Create, "", "serviceaccounts/token"),
        R(Read, "storage.k8s.io", "csidrivers"),
        R(ReadWrite, "storage.k8s.io", "csinodes"),
        R(Read, "node.k8s.io", "runtimeclasses"),
        R(["create", "delete", "get", "patch", "update"], "coordination.k8s.io", "leases"),
        R(Read, "certificates.k8s.io", "certificatesigningrequests"),
        R(Create, "certificates.k8s.io", "certificatesigningrequests"),
        R(["update"], "bosun.dev", "nodemetrics"),
    ];

    /// <summary>What metrics-server's aggregated reader role grants; Bosun serves metrics.k8s.io itself.</summary>
    public static IReadOnlyList<PolicyRule> MetricsReader { get; } = [R(Read, "metrics.k8s.io", "nodes", "pods")];

    public static IReadOnlyList<PolicyRule> NodeProxier { get; } =
    [
        R(["list", "watch"], "", "endpoints", "services"),
        R(["get", "list", "watch"], "", "nodes"),
        R(["create", "patch", "update"], "", "events"),
        R(["create", "patch", "update"], "events.k8s.io", "events"),
        R(["list", "watch"], "discovery.k8s.io", "endpointslices"),
    ];

    public static IReadOnlyList<PolicyRule> NodeBootstrapper { get; } =
    [
        R(["create", "get", "list", "watch"], "certificates.k8s.io", "certificatesigningrequests"),
    ];

    public static IReadOnlyList<PolicyRule> NodeClient { get; } = [R(Create, "certificates.k8s.io", "certificatesigningrequests/nodeclient")];

    public static IReadOnlyList<PolicyRule> SelfNodeClient { get; } = [R(Create, "certificates.k8s.io", "certificatesigningrequests/selfnodeclient")];

    public static IReadOnlyList<PolicyRule> KubeDns { get; } = [R(["list", "watch"], "", "endpoints", "services")];

    /// <summary>
    /// The agent's cluster DNS (CoreDNS' ClusterRole: services, endpoints, endpointslices, namespaces, pods). Writing
    /// its own <c>kube-dns-&lt;node&gt;</c> slice is the Node authorizer's to allow, not a role's.
    /// </summary>
    public static IReadOnlyList<PolicyRule> ClusterDns { get; } =
    [
        R(Read, "", "endpoints", "services", "namespaces", "pods"),
        R(Read, "discovery.k8s.io", "endpointslices"),
    ];

    /// <summary>The agent's local-path provisioner (rancher's local-path-provisioner role, less what it does through pods).</summary>
    public static IReadOnlyList<PolicyRule> LocalPathProvisioner { get; } =
    [
        R(["get", "list", "watch", "update", "patch"], "", "persistentvolumeclaims"),
        R(["get", "list", "watch", "create", "update", "patch", "delete"], "", "persistentvolumes"),
        R(Read, "storage.k8s.io", "storageclasses"),
        R(Read, "", "nodes"),
        R(["create", "patch", "update"], "", "events"),
        R(["create", "patch", "update"], "events.k8s.io", "events"),
    ];
}
