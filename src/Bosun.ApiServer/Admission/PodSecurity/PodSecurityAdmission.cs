using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission.PodSecurity;

/// <summary>
/// The PodSecurity admission plugin: the namespace's <c>pod-security.kubernetes.io/</c> labels choose a level and version
/// per mode. <c>enforce</c> refuses a violating pod (403, <c>violates PodSecurity "restricted:latest": …</c>); <c>warn</c>
/// answers with a warning header (<c>would violate PodSecurity …</c>); workload templates are never refused, only warned
/// about, for both modes. Invalid labels make the namespace invalid; tightening <c>enforce</c> warns about the pods that
/// already violate it. Audit annotations are not done (Bosun has no audit log). Writes by the API server itself are
/// not checked.
/// </summary>
internal sealed class PodSecurityAdmission(IKeyValueStore storage, ResourceRegistration namespaces, ResourceRegistration pods) : IAdmissionPlugin
{
    public async Task ValidateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (request.User is null || request.Subresource.Length > 0 || request.Operation is not ("CREATE" or "UPDATE")) return;
        if (request.Is("", "namespaces"))
        {
            await ValidateNamespaceAsync(request, ct).ConfigureAwait(false);
            return;
        }
        if (request.Namespace is not { } ns) return;
        if (request.Is("", "pods"))
        {
            if (!request.IsCreate && !IsSignificantPodUpdate(request.Object, request.OldObject)) return;
            var policy = await PolicyAsync(ns, ct).ConfigureAwait(false);
            CheckPod(policy, request.Object, request.Name);
        }
        else if (PodTemplate(request) is { } template)
        {
            if (!request.IsCreate && OldTemplateUnchanged(request, template)) return;
            var policy = await PolicyAsync(ns, ct).ConfigureAwait(false);
            WarnTemplate(policy, template);
        }
    }

    /// <summary>
    /// Upstream re-evaluates an updated pod only when what can change and matters did: the number of containers, an
    /// image, or a container's AppArmor annotation (everything else in a pod's spec is immutable or harmless).
    /// </summary>
    internal static bool IsSignificantPodUpdate(JsonObject pod, JsonObject? old)
    {
        if (old is null) return true;
        foreach (var field in (string[])["initContainers", "containers", "ephemeralContainers"])
        {
            var now = pod.Obj("spec").Arr(field) ?? [];
            var before = old.Obj("spec").Arr(field) ?? [];
            if (now.Count != before.Count) return true;
            for (var i = 0; i < now.Count; i++)
            {
                if ((now[i] as JsonObject).Str("image") != (before[i] as JsonObject).Str("image")) return true;
                var key = "container.apparmor.security.beta.kubernetes.io/" + (now[i] as JsonObject).Str("name");
                if (pod.Obj("metadata").Obj("annotations").Str(key) != old.Obj("metadata").Obj("annotations").Str(key)) return true;
            }
        }
        return false;
    }

    /// <summary>Pods: enforce refuses, warn warns (evaluated again only when its level differs).</summary>
    internal static void CheckPod(NamespacePolicy policy, JsonObject pod, string name)
    {
        var enforce = PodSecurityPolicy.ForbiddenDetail(PodSecurityPolicy.Evaluate(policy.Enforce, pod.Obj("metadata"), pod.Obj("spec")));
        if (enforce.Length > 0)
            throw ApiException.Forbidden("", "pods", name, $"violates PodSecurity {PodSpecs.Quote(policy.Enforce.ToString())}: {enforce}");
        Warn(policy.Warn, policy.Enforce, pod.Obj("metadata"), pod.Obj("spec"));
    }

    /// <summary>Workload templates: both enforce and warn violations are warnings, so the workload is still created.</summary>
    internal static void WarnTemplate(NamespacePolicy policy, JsonObject template)
    {
        Warn(policy.Enforce, null, template.Obj("metadata"), template.Obj("spec"));
        Warn(policy.Warn, policy.Enforce, template.Obj("metadata"), template.Obj("spec"));
    }

    private static void Warn(LevelVersion level, LevelVersion? alreadyEvaluated, JsonObject? meta, JsonObject? spec)
    {
        if (level == alreadyEvaluated) return;
        var detail = PodSecurityPolicy.ForbiddenDetail(PodSecurityPolicy.Evaluate(level, meta, spec));
        if (detail.Length > 0) AdmissionWarnings.Add($"would violate PodSecurity {PodSpecs.Quote(level.ToString())}: {detail}");
    }

    private async Task<NamespacePolicy> PolicyAsync(string ns, CancellationToken ct)
    {
        var kv = await storage.GetAsync(namespaces.Key(null, ns), ct).ConfigureAwait(false);
        if (kv is null) return new NamespacePolicy(LevelVersion.Privileged, LevelVersion.Privileged, LevelVersion.Privileged);
        return NamespacePolicy.FromLabels(Labels(Json.ParseObject(kv.Value.Span)), out _);
    }

    private async Task ValidateNamespaceAsync(AdmissionRequest request, CancellationToken ct)
    {
        var policy = NamespacePolicy.FromLabels(Labels(request.Object), out var errors);
        if (errors.Count > 0) throw ApiException.Invalid("", "Namespace", request.Name, errors);
        if (request.IsCreate || request.OldObject is null || policy.Enforce.Level == PodSecurityLevel.Privileged) return;
        var old = NamespacePolicy.FromLabels(Labels(request.OldObject), out _);
        if (old.Enforce == policy.Enforce) return;
        var existing = await storage.RangeAsync(new RangeRequest(pods.NamespacePrefix(request.Name)), ct).ConfigureAwait(false);
        foreach (var warning in ExistingPodWarnings(request.Name, policy.Enforce, existing.Items.Select(kv => Json.ParseObject(kv.Value.Span))))
            AdmissionWarnings.Add(warning);
    }

    /// <summary>
    /// What a new enforce level would refuse among the namespace's pods: a header line, then one line per distinct set of
    /// reasons naming the first pod and how many others share it.
    /// </summary>
    internal static IReadOnlyList<string> ExistingPodWarnings(string ns, LevelVersion enforce, IEnumerable<JsonObject> podsInNamespace)
    {
        var groups = new List<(string Reasons, List<string> Pods)>();
        foreach (var pod in podsInNamespace.OrderBy(p => p.Obj("metadata").Str("name"), StringComparer.Ordinal))
        {
            var reasons = PodSecurityPolicy.ForbiddenReasons(PodSecurityPolicy.Evaluate(enforce, pod.Obj("metadata"), pod.Obj("spec")));
            if (reasons.Length == 0) continue;
            var name = pod.Obj("metadata").Str("name") ?? "";
            var group = groups.FindIndex(g => g.Reasons == reasons);
            if (group >= 0) groups[group].Pods.Add(name);
            else groups.Add((reasons, [name]));
        }
        if (groups.Count == 0) return [];
        var warnings = new List<string> { $"existing pods in namespace {PodSpecs.Quote(ns)} violate the new PodSecurity enforce level {PodSpecs.Quote(enforce.ToString())}" };
        foreach (var (reasons, names) in groups)
        {
            var others = names.Count - 1;
            var who = others == 0 ? names[0] : $"{names[0]} (and {others} other {PodSpecs.Pluralize("pod", "pods", others)})";
            warnings.Add($"{who}: {reasons}");
        }
        return warnings;
    }

    /// <summary>The pod template of a workload kind (apps, batch, replication controllers, pod templates), else null.</summary>
    internal static JsonObject? PodTemplate(AdmissionRequest request) => TemplateOf(request.Registration.Group, request.Registration.Resource, request.Object);

    private static JsonObject? TemplateOf(string group, string resource, JsonObject? obj) => (group, resource) switch
    {
        ("apps", "deployments" or "replicasets" or "statefulsets" or "daemonsets") or ("batch", "jobs") or ("", "replicationcontrollers") =>
            obj.Obj("spec").Obj("template"),
        ("batch", "cronjobs") => obj.Obj("spec").Obj("jobTemplate").Obj("spec").Obj("template"),
        ("", "podtemplates") => obj.Obj("template"),
        _ => null,
    };

    private static bool OldTemplateUnchanged(AdmissionRequest request, JsonObject template) =>
        JsonNode.DeepEquals(template, TemplateOf(request.Registration.Group, request.Registration.Resource, request.OldObject));

    private static Dictionary<string, string> Labels(JsonObject obj)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in obj.Obj("metadata").Obj("labels") ?? [])
            if (v is JsonValue jv && jv.TryGetValue<string>(out var s)) labels[k] = s;
        return labels;
    }
}
