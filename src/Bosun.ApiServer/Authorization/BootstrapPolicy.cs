using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Authorization;

/// <summary>A default ClusterRole: its rules, extra labels, and the aggregate-to label values it selects (admin/edit/view).</summary>
internal sealed record DefaultClusterRole(string Name, IReadOnlyList<PolicyRule> Rules, IReadOnlyDictionary<string, string>? Labels = null, string? AggregatesLabel = null);

/// <summary>A default ClusterRoleBinding of one ClusterRole to users and groups.</summary>
internal sealed record DefaultBinding(string Name, string Role, IReadOnlyList<RbacSubject> Subjects);

/// <summary>
/// The RBAC objects every cluster has from its first start, written at start-up like kube-apiserver's
/// rbac/bootstrap-roles post-start hook: missing ones are created, and ones still marked
/// <c>rbac.authorization.kubernetes.io/autoupdate: "true"</c> get their rules and subjects back.
/// </summary>
internal static class BootstrapPolicy
{
    public const string AutoUpdate = "rbac.authorization.kubernetes.io/autoupdate";
    private const string Bootstrapping = "kubernetes.io/bootstrapping";
    public const string BootstrappersGroup = "system:bootstrappers";
    public const string NodesGroup = "system:nodes";

    private static Dictionary<string, string> Label(string key) => new() { [key] = "true" };

    public static IReadOnlyList<DefaultClusterRole> ClusterRoles { get; } =
    [
        new("cluster-admin", BootstrapRoles.ClusterAdmin),
        new("admin", [], AggregatesLabel: BootstrapRoles.AggregateToAdmin),
        new("edit", [], Label(BootstrapRoles.AggregateToAdmin), BootstrapRoles.AggregateToEdit),
        new("view", [], Label(BootstrapRoles.AggregateToEdit), BootstrapRoles.AggregateToView),
        new("system:aggregate-to-admin", BootstrapRoles.AggregateToAdminRules, Label(BootstrapRoles.AggregateToAdmin)),
        new("system:aggregate-to-edit", BootstrapRoles.AggregateToEditRules, Label(BootstrapRoles.AggregateToEdit)),
        new("system:aggregate-to-view", BootstrapRoles.AggregateToViewRules, Label(BootstrapRoles.AggregateToView)),
        new("system:basic-user", BootstrapRoles.BasicUser),
        new("system:discovery", BootstrapRoles.Discovery),
        new("system:public-info-viewer", BootstrapRoles.PublicInfoViewer),
        new("system:monitoring", BootstrapRoles.Monitoring),
        new("system:service-account-issuer-discovery", BootstrapRoles.ServiceAccountIssuerDiscovery),
        new("system:kube-scheduler", BootstrapRoles.KubeScheduler),
        new("system:kube-controller-manager", BootstrapRoles.KubeControllerManager),
        new("system:node", BootstrapRoles.Node),
        new("system:node-proxier", BootstrapRoles.NodeProxier),
        new("system:node-bootstrapper", BootstrapRoles.NodeBootstrapper),
        new("system:kube-dns", BootstrapRoles.KubeDns),
        new("bosun:cluster-dns", BootstrapRoles.ClusterDns),
        new("bosun:local-path-provisioner", BootstrapRoles.LocalPathProvisioner),
        new("system:aggregated-metrics-reader", BootstrapRoles.MetricsReader, new Dictionary<string, string>
        {
            [BootstrapRoles.AggregateToAdmin] = "true",
            [BootstrapRoles.AggregateToEdit] = "true",
            [BootstrapRoles.AggregateToView] = "true",
        }),
        new("system:certificates.k8s.io:certificatesigningrequests:nodeclient", BootstrapRoles.NodeClient),
        new("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", BootstrapRoles.SelfNodeClient),
    ];

    private static RbacSubject Group(string name) => new("Group", name, "");
    private static RbacSubject User(string name) => new("User", name, "");

    public static IReadOnlyList<DefaultBinding> Bindings { get; } =
    [
        new("cluster-admin", "cluster-admin", [Group(Security.SecurityNames.MastersGroup)]),
        new("system:basic-user", "system:basic-user", [Group(Security.SecurityNames.AuthenticatedGroup)]),
        new("system:discovery", "system:discovery", [Group(Security.SecurityNames.AuthenticatedGroup)]),
        new("system:public-info-viewer", "system:public-info-viewer",
            [Group(Security.SecurityNames.AuthenticatedGroup), Group(Security.SecurityNames.UnauthenticatedGroup)]),
        new("system:monitoring", "system:monitoring", [Group("system:monitoring")]),
        new("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", [Group("system:serviceaccounts")]),
        new("system:kube-scheduler", "system:kube-scheduler", [User("system:kube-scheduler")]),
        new("system:kube-controller-manager", "system:kube-controller-manager", [User("system:kube-controller-manager")]),
        new("system:node-proxier", "system:node-proxier", [User("system:kube-proxy")]),
        new("system:kube-dns", "system:kube-dns", [new RbacSubject("ServiceAccount", "kube-dns", "kube-system")]),
        // kubeadm's names for what its join needs: bootstrap tokens may file CSRs that get approved, nodes may renew.
        new("bosun:kubelet-bootstrap", "system:node-bootstrapper", [Group(BootstrappersGroup)]),
        new("bosun:node-autoapprove-bootstrap", "system:certificates.k8s.io:certificatesigningrequests:nodeclient", [Group(BootstrappersGroup)]),
        // A node agent also runs the service proxy, the cluster DNS and the local-path provisioner under its node
        // identity (k3s runs them beside the kubelet too): their roles go to the nodes group. None of them reads
        // secrets or configmaps, so the Node authorizer's limit on those stays whole.
        new("bosun:node-proxier", "system:node-proxier", [Group(NodesGroup)]),
        new("bosun:node-cluster-dns", "bosun:cluster-dns", [Group(NodesGroup)]),
        new("bosun:node-local-path-provisioner", "bosun:local-path-provisioner", [Group(NodesGroup)]),
        new("bosun:node-autoapprove-certificate-rotation", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [Group(NodesGroup)]),
    ];

    public static JsonObject ClusterRoleJson(DefaultClusterRole role, IReadOnlyList<PolicyRule> rules)
    {
        var labels = new JsonObject { [Bootstrapping] = "rbac-defaults" };
        foreach (var (k, v) in role.Labels ?? new Dictionary<string, string>()) labels[k] = v;
        var obj = new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1",
            ["kind"] = "ClusterRole",
            ["metadata"] = new JsonObject
            {
                ["name"] = role.Name,
                ["labels"] = labels,
                ["annotations"] = new JsonObject { [AutoUpdate] = "true" },
            },
            ["rules"] = new JsonArray(rules.Select(r => (JsonNode)r.ToJson()).ToArray()),
        };
        if (role.AggregatesLabel is { } label)
            obj["aggregationRule"] = new JsonObject
            {
                ["clusterRoleSelectors"] = new JsonArray(new JsonObject { ["matchLabels"] = new JsonObject { [label] = "true" } }),
            };
        return obj;
    }

    public static JsonObject BindingJson(DefaultBinding binding) => new()
    {
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["kind"] = "ClusterRoleBinding",
        ["metadata"] = new JsonObject
        {
            ["name"] = binding.Name,
            ["labels"] = new JsonObject { [Bootstrapping] = "rbac-defaults" },
            ["annotations"] = new JsonObject { [AutoUpdate] = "true" },
        },
        ["roleRef"] = new JsonObject { ["apiGroup"] = "rbac.authorization.k8s.io", ["kind"] = "ClusterRole", ["name"] = binding.Role },
        ["subjects"] = new JsonArray(binding.Subjects.Select(s => (JsonNode)new JsonObject
        {
            ["kind"] = s.Kind,
            ["name"] = s.Name,
            ["apiGroup"] = s.Kind == "ServiceAccount" ? null : "rbac.authorization.k8s.io",
            ["namespace"] = s.Namespace.Length > 0 ? s.Namespace : null,
        }).ToArray()),
    };

    /// <summary>Creates what is missing; restores rules, roleRef and subjects of objects still marked for auto-update.</summary>
    public static async Task EnsureAsync(ResourceCatalog catalog, CancellationToken ct)
    {
        var roles = catalog.Get("rbac.authorization.k8s.io", "v1", "clusterroles");
        var bindings = catalog.Get("rbac.authorization.k8s.io", "v1", "clusterrolebindings");
        var aggregated = Aggregation.Compute(ClusterRoles.Select(ToRole).ToList());
        foreach (var role in ClusterRoles)
            await EnsureAsync(roles, ClusterRoleJson(role, aggregated[role.Name]), "rules", ct);
        foreach (var binding in Bindings)
            await EnsureAsync(bindings, BindingJson(binding), "subjects", ct);
    }

    internal static RbacRole ToRole(DefaultClusterRole r) => new("", r.Name, r.Rules,
        r.AggregatesLabel is { } l ? [new JsonObject { ["matchLabels"] = new JsonObject { [l] = "true" } }] : null)
    {
        Labels = (r.Labels ?? new Dictionary<string, string>()).ToDictionary(),
    };

    private static async Task EnsureAsync(GenericStore store, JsonObject desired, string field, CancellationToken ct)
    {
        var name = desired.Obj("metadata").Str("name")!;
        try
        {
            await store.CreateAsync(null, desired, new WriteOptions(), ct);
            return;
        }
        catch (ApiException e) when (e.Code == 409)
        {
        }
        await store.UpdateAsync(null, name, UpdateKind.Main, current =>
        {
            if (current.Obj("metadata").Obj("annotations").Str(AutoUpdate) == "false") return current;
            if (JsonNode.DeepEquals(current[field], desired[field]) && JsonNode.DeepEquals(current["roleRef"], desired["roleRef"])) return current;
            current[field] = desired[field]?.DeepClone();
            return current;
        }, new WriteOptions(), ct);
    }
}
