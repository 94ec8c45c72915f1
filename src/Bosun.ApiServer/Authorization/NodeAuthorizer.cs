using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;
using Bosun.ApiServer.Watch;
using Bosun.Storage;

namespace Bosun.ApiServer.Authorization;

/// <summary>A pod as the Node authorizer sees it: where it runs and what it references.</summary>
internal sealed record NodePodRefs(string Namespace, string Name, string NodeName, string ServiceAccount,
    IReadOnlySet<string> Secrets, IReadOnlySet<string> ConfigMaps, IReadOnlySet<string> Claims)
{
    public static NodePodRefs From(JsonObject pod)
    {
        var spec = pod.Obj("spec");
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var configMaps = new HashSet<string>(StringComparer.Ordinal);
        var claims = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in spec?["imagePullSecrets"] as JsonArray ?? []) if (s is JsonObject o && o.Str("name") is { } n) secrets.Add(n);
        foreach (var v in spec?["volumes"] as JsonArray ?? [])
        {
            if (v is not JsonObject vol) continue;
            if (vol.Obj("secret").Str("secretName") is { } sn) secrets.Add(sn);
            if (vol.Obj("configMap").Str("name") is { } cn) configMaps.Add(cn);
            if (vol.Obj("persistentVolumeClaim").Str("claimName") is { } pn) claims.Add(pn);
            foreach (var source in vol.Obj("projected")?["sources"] as JsonArray ?? [])
            {
                if (source.AsObjectOrNull().Obj("secret").Str("name") is { } ps) secrets.Add(ps);
                if (source.AsObjectOrNull().Obj("configMap").Str("name") is { } pc) configMaps.Add(pc);
            }
        }
        foreach (var field in (string[])["initContainers", "containers", "ephemeralContainers"])
            foreach (var c in spec?[field] as JsonArray ?? [])
            {
                foreach (var e in c.AsObjectOrNull()?["envFrom"] as JsonArray ?? [])
                {
                    if (e.AsObjectOrNull().Obj("secretRef").Str("name") is { } es) secrets.Add(es);
                    if (e.AsObjectOrNull().Obj("configMapRef").Str("name") is { } ec) configMaps.Add(ec);
                }
                foreach (var e in c.AsObjectOrNull()?["env"] as JsonArray ?? [])
                {
                    var from = e.AsObjectOrNull().Obj("valueFrom");
                    if (from.Obj("secretKeyRef").Str("name") is { } ks) secrets.Add(ks);
                    if (from.Obj("configMapKeyRef").Str("name") is { } kc) configMaps.Add(kc);
                }
            }
        var meta = pod.Obj("metadata");
        return new NodePodRefs(meta.Str("namespace") ?? "", meta.Str("name") ?? "", spec.Str("nodeName") ?? "",
            spec.Str("serviceAccountName") ?? "default", secrets, configMaps, claims);
    }
}

internal static class JsonNodeExtensions
{
    public static JsonObject? AsObjectOrNull(this JsonNode? node) => node as JsonObject;
}

/// <summary>
/// The Node authorizer with NodeRestriction's object checks (kube-apiserver's <c>--authorization-mode=Node</c>): a
/// node agent (<c>system:node:&lt;name&gt;</c> in <c>system:nodes</c>) may read only the secrets, configmaps and
/// claims of pods bound to it, one by one; may write only its own Node and Lease, its cluster DNS EndpointSlice and the pods bound to it; may ask
/// tokens only for service accounts its pods run as; and otherwise has the <c>system:node</c> role's rules.
/// </summary>
internal sealed class NodeAuthorizer(ObjectFollower<NodePodRefs> pods) : IAuthorizer
{
    public const string NodePrefix = "system:node:";
    private static readonly RbacSnapshot NodeRules = new([new RbacRole("", "system:node", BootstrapRoles.Node)], [],
        [new RbacBinding("", "system:node", "ClusterRole", "system:node", [new RbacSubject("Group", BootstrapPolicy.NodesGroup, "")])], []);

    public static ObjectFollower<NodePodRefs> Follower(IKeyValueStore storage, ResourceCatalog catalog) =>
        new(storage, catalog.Get("", "v1", "pods").Registration, NodePodRefs.From);

    public Task FollowAsync(WatchCache cache, CancellationToken ct) => pods.FollowAsync(cache, ct);

    public Task RefreshAsync(CancellationToken ct) => pods.RelistAsync(ct);

    public static string? NodeName(Security.UserInfo user) =>
        user.Name.StartsWith(NodePrefix, StringComparison.Ordinal) && user.Groups.Contains(BootstrapPolicy.NodesGroup) ? user.Name[NodePrefix.Length..] : null;

    public AuthorizationResult Authorize(AuthorizationAttributes a)
    {
        if (NodeName(a.User) is not { } node) return AuthorizationResult.NoOpinion;
        if (!a.IsResourceRequest) return NodeRules.Authorize(a);
        return (a.ApiGroup, a.Resource) switch
        {
            ("", "secrets") => Referenced(a, node, p => p.Secrets),
            ("", "configmaps") => Referenced(a, node, p => p.ConfigMaps),
            ("", "persistentvolumeclaims") => Referenced(a, node, p => p.Claims),
            ("", "serviceaccounts") when a.Subresource == "token" => Allow(a.Verb == "create" && Pods(node).Any(p => p.Namespace == a.Namespace && p.ServiceAccount == a.Name),
                node, "can only create tokens for individual service accounts of pods bound to it"),
            ("", "nodes") when a.Verb is "create" or "update" or "patch" or "delete" => Allow(a.Name == node || (a.Verb == "create" && a.Name.Length == 0),
                node, $"node '{node}' cannot modify node '{a.Name}'"),
            ("coordination.k8s.io", "leases") when a.Verb is not ("get" or "list" or "watch") => Allow(a.Namespace == "kube-node-lease" && (a.Name == node || a.Name.Length == 0),
                node, "can only access its own lease in the kube-node-lease namespace"),
            ("discovery.k8s.io", "endpointslices") when a.Verb is not ("get" or "list" or "watch") => Allow(a.Namespace == "kube-system" && (a.Name == DnsSlice(node) || (a.Verb == "create" && a.Name.Length == 0)),
                node, $"can only write its own cluster DNS endpoint slice kube-system/{DnsSlice(node)}"),
            ("", "pods") when a.Verb is "update" or "patch" or "delete" => Allow(Pods(node).Any(p => p.Namespace == a.Namespace && p.Name == a.Name),
                node, $"can only modify pods bound to it"),
            _ => NodeRules.Authorize(a),
        };
    }

    /// <summary>The slice through which a node's agent publishes its DNS server behind the kube-dns Service (Bosun.Dns.KubeDnsService).</summary>
    private static string DnsSlice(string node) => "kube-dns-" + node;

    private IEnumerable<NodePodRefs> Pods(string node) => pods.Items.Where(p => p.NodeName == node);

    /// <summary>Only <c>get</c> of a named object a pod on this node references (no list or watch: that would show others').</summary>
    private AuthorizationResult Referenced(AuthorizationAttributes a, string node, Func<NodePodRefs, IReadOnlySet<string>> refs)
    {
        if (a.Verb != "get" || a.Name.Length == 0)
            return new AuthorizationResult(Decision.NoOpinion, $"can only get individual resources of this type");
        return Allow(Pods(node).Any(p => p.Namespace == a.Namespace && refs(p).Contains(a.Name)), node, "no relationship found between node '" + node + "' and this object");
    }

    private static AuthorizationResult Allow(bool allowed, string node, string reason) =>
        allowed ? AuthorizationResult.Allowed : new AuthorizationResult(Decision.NoOpinion, reason);
}
