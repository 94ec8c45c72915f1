using System.Text.Json.Nodes;
using Bosun.ApiServer.Authorization;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The NodeRestriction plugin: a node agent (<c>system:node:&lt;name&gt;</c> in <c>system:nodes</c>) may create only
/// mirror pods bound to itself, owned by its Node and referencing no secrets, configmaps, claims or service account; may
/// update the status only of pods bound to it, delete and evict only those; may write only its own Node, without
/// touching its taints or labels outside the kubelet's set (never <c>node-restriction.kubernetes.io/</c>); and only its own
/// Lease in <c>kube-node-lease</c>. Messages are upstream's. The Node authorizer already scopes what a node may touch;
/// this checks the objects themselves.
/// </summary>
/// <remarks>
/// Deviation: Bosun's pod defaults give every pod <c>serviceAccountName: default</c>, so only other accounts count as
/// a reference on a mirror pod. Token requests are scoped by the Node authorizer, not here.
/// </remarks>
internal sealed class NodeRestriction(IKeyValueStore storage, ResourceRegistration pods, ResourceRegistration nodes) : IAdmissionPlugin
{
    public const string MirrorAnnotation = "kubernetes.io/config.mirror";
    private const string NodeLeaseNamespace = "kube-node-lease";

    public async Task ValidateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (request.User is not { } user || NodeAuthorizer.NodeName(user) is not { } node) return;
        if (node.Length == 0) throw Forbidden(request, $"could not determine node from user {PodSecurity.PodSpecs.Quote(user.Name)}");
        var reason = (request.Registration.Group, request.Registration.Resource) switch
        {
            ("", "pods") => await PodAsync(node, request, ct).ConfigureAwait(false),
            ("", "nodes") => NodeObject(node, request),
            ("", "persistentvolumeclaims") => ClaimStatus(node, request),
            ("coordination.k8s.io", "leases") => Lease(node, request),
            _ => null,
        };
        if (reason is not null) throw Forbidden(request, reason);
    }

    private async Task<string?> PodAsync(string node, AdmissionRequest request, CancellationToken ct)
    {
        switch (request.Subresource, request.Operation)
        {
            case ("", "CREATE"):
                return await MirrorPodAsync(node, request.Object, ct).ConfigureAwait(false);
            case ("", "DELETE"):
                return BoundTo(request.OldObject) == node ? null : $"node {Q(node)} can only delete pods with spec.nodeName set to itself";
            case ("", _):
                return $"unexpected operation {Q(request.Operation)}, node {Q(node)} can only create and delete mirror pods";
            case ("status", "UPDATE"):
                if (BoundTo(request.OldObject) != node) return $"node {Q(node)} can only update pod status for pods with spec.nodeName set to itself";
                return JsonNode.DeepEquals(request.Object.Obj("metadata")?["labels"], request.OldObject.Obj("metadata")?["labels"])
                    ? null : $"node {Q(node)} cannot update labels through pod status";
            case ("status", _):
                return $"unexpected operation {Q(request.Operation)}";
            case ("eviction", "CREATE"):
                var kv = await storage.GetAsync(pods.Key(request.Namespace, request.Name), ct).ConfigureAwait(false);
                if (kv is null) throw ApiException.NotFound("", "pods", request.Name);
                return BoundTo(Json.ParseObject(kv.Value.Span)) == node ? null : $"node {node} can only evict pods with spec.nodeName set to itself";
            default:
                return $"unexpected pod subresource {Q(request.Subresource)}, only 'status' and 'eviction' are allowed";
        }
    }

    private async Task<string?> MirrorPodAsync(string node, JsonObject pod, CancellationToken ct)
    {
        var meta = pod.Obj("metadata");
        if (meta.Obj("annotations")?.ContainsKey(MirrorAnnotation) != true)
            return $"pod does not have {Q(MirrorAnnotation)} annotation, node {Q(node)} can only create mirror pods";
        if (BoundTo(pod) != node) return $"node {Q(node)} can only create pods with spec.nodeName set to itself";
        if (await OwnerProblemAsync(node, meta.Arr("ownerReferences"), ct).ConfigureAwait(false) is { } owner) return owner;
        return References(node, Authorization.NodePodRefs.From(pod));
    }

    private async Task<string?> OwnerProblemAsync(string node, JsonArray? owners, CancellationToken ct)
    {
        if (owners is { Count: > 1 }) return $"node {Q(node)} can only create pods with a single owner reference set to itself";
        if (owners is not [JsonObject owner]) return $"node {Q(node)} can only create pods with an owner reference set to itself";
        if (owner.Str("apiVersion") != "v1" || owner.Str("kind") != "Node" || owner.Str("name") != node)
            return $"node {Q(node)} can only create pods with an owner reference set to itself";
        if (PodSecurity.PodSpecs.Bool(owner, "controller") != true)
            return $"node {Q(node)} can only create pods with a controller owner reference set to itself";
        if (PodSecurity.PodSpecs.Bool(owner, "blockOwnerDeletion") == true)
            return $"node {Q(node)} must not set blockOwnerDeletion on an owner reference";
        var kv = await storage.GetAsync(nodes.Key(null, node), ct).ConfigureAwait(false);
        if (kv is null) throw ApiException.NotFound("", "nodes", node);
        var uid = Json.ParseObject(kv.Value.Span).Obj("metadata").Str("uid");
        return owner.Str("uid") == uid ? null : $"node {node} UID mismatch: expected {owner.Str("uid")} got {uid}";
    }

    private static string? References(string node, Authorization.NodePodRefs refs)
    {
        if (refs.ServiceAccount is { Length: > 0 } sa && sa != "default") return $"node {Q(node)} can not create pods that reference a service account";
        if (refs.Secrets.Count > 0) return $"node {Q(node)} can not create pods that reference secrets";
        if (refs.ConfigMaps.Count > 0) return $"node {Q(node)} can not create pods that reference configmaps";
        if (refs.Claims.Count > 0) return $"node {Q(node)} can not create pods that reference persistentvolumeclaims";
        return null;
    }

    private static string? NodeObject(string node, AdmissionRequest request)
    {
        if (request.Name != node) return $"node {Q(node)} is not allowed to modify node {Q(request.Name)}";
        if (request.Operation == "CREATE")
        {
            var forbidden = NodeLabels.Forbidden(NodeLabels.Modified(Labels(request.Object), new Dictionary<string, string>()));
            return forbidden.Count == 0 ? null : $"node {Q(node)} is not allowed to set the following labels: {string.Join(", ", forbidden)}";
        }
        if (request.Operation != "UPDATE") return null;
        if (!JsonNode.DeepEquals(request.Object.Obj("spec")?["taints"], request.OldObject.Obj("spec")?["taints"]))
            return $"node {Q(node)} is not allowed to modify taints";
        var modified = NodeLabels.Forbidden(NodeLabels.Modified(Labels(request.Object), Labels(request.OldObject)));
        return modified.Count == 0 ? null : $"is not allowed to modify labels: {string.Join(", ", modified)}";
    }

    /// <summary>A node may change a claim's capacity and conditions through status, and nothing else.</summary>
    private static string? ClaimStatus(string node, AdmissionRequest request)
    {
        if (request.Subresource != "status") return "may only update PVC status";
        if (request.Operation != "UPDATE") return $"unexpected operation {Q(request.Operation)}";
        static JsonObject Comparable(JsonObject? claim)
        {
            var copy = claim?.DeepClone().AsObject() ?? [];
            copy.Obj("metadata")?.Remove("resourceVersion");
            copy.Obj("metadata")?.Remove("managedFields");
            foreach (var field in (string[])["capacity", "conditions", "allocatedResources", "allocatedResourceStatuses"]) copy.Obj("status")?.Remove(field);
            return copy;
        }
        return JsonNode.DeepEquals(Comparable(request.Object), Comparable(request.OldObject)) ? null
            : $"node {Q(node)} is not allowed to update fields other than status.capacity and status.conditions";
    }

    private static string? Lease(string node, AdmissionRequest request)
    {
        if (request.Namespace != NodeLeaseNamespace) return $"can only access leases in the {Q(NodeLeaseNamespace)} system namespace";
        return request.Name == node ? null : "can only access node lease with the same name as the requesting node";
    }

    private static string? BoundTo(JsonObject? pod) => pod.Obj("spec").Str("nodeName");

    private static Dictionary<string, string> Labels(JsonObject? obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in obj.Obj("metadata").Obj("labels") ?? [])
            if (v is JsonValue jv && jv.TryGetValue<string>(out var s)) labels[k] = s;
        return labels;
    }

    private static string Q(string s) => PodSecurity.PodSpecs.Quote(s);

    private static ApiException Forbidden(AdmissionRequest request, string reason) =>
        ApiException.Forbidden(request.Registration.Group, request.Registration.Resource, request.Name, reason);
}

/// <summary>Which node labels a kubelet may set itself (k8s.io/kubelet's IsKubeletLabel and NodeRestriction's label rules).</summary>
internal static class NodeLabels
{
    private static readonly HashSet<string> KubeletLabels = new(StringComparer.Ordinal)
    {
        "kubernetes.io/hostname", "topology.kubernetes.io/zone", "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
        "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type", "kubernetes.io/os", "kubernetes.io/arch",
        "beta.kubernetes.io/os", "beta.kubernetes.io/arch",
    };

    public static SortedSet<string> Modified(IReadOnlyDictionary<string, string> now, IReadOnlyDictionary<string, string> before)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in now) if (!before.TryGetValue(k, out var old) || old != v) keys.Add(k);
        foreach (var k in before.Keys) if (!now.ContainsKey(k)) keys.Add(k);
        return keys;
    }

    /// <summary>The modified keys a node may not touch: node-restriction ones, and kubernetes.io/k8s.io ones outside the kubelet's set.</summary>
    public static List<string> Forbidden(IEnumerable<string> modified) =>
        modified.Where(k => InDomain(k, "node-restriction.kubernetes.io") || (IsKubernetes(k) && !IsKubelet(k))).ToList();

    private static bool IsKubernetes(string key) => InDomain(key, "kubernetes.io") || InDomain(key, "k8s.io");

    private static bool IsKubelet(string key) =>
        KubeletLabels.Contains(key) || InDomain(key, "kubelet.kubernetes.io") || InDomain(key, "node.kubernetes.io");

    private static bool InDomain(string key, string domain)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return false;
        var prefix = key[..slash];
        return prefix == domain || prefix.EndsWith("." + domain, StringComparison.Ordinal);
    }
}
