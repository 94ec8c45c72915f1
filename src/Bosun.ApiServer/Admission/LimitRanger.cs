using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The LimitRanger plugin for pods: on create, containers without requests or limits get the defaults of the
/// namespace's LimitRanges (type Container: <c>defaultRequest</c>, <c>default</c>), recorded in the
/// <c>kubernetes.io/limit-ranger</c> annotation; then every container must lie within <c>min</c> and <c>max</c>.
/// </summary>
internal sealed class LimitRanger(IKeyValueStore storage, ResourceRegistration limitRanges) : IAdmissionPlugin
{
    public const string Annotation = "kubernetes.io/limit-ranger";

    public async Task MutateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (!request.IsCreate || !request.Is("", "pods") || request.Subresource.Length > 0) return;
        var items = await ContainerItemsAsync(request.Namespace!, ct).ConfigureAwait(false);
        if (items.Count > 0) ApplyDefaults(request.Object, items);
    }

    public async Task ValidateAsync(AdmissionRequest request, CancellationToken ct)
    {
        if (!request.IsCreate || !request.Is("", "pods") || request.Subresource.Length > 0) return;
        var items = await ContainerItemsAsync(request.Namespace!, ct).ConfigureAwait(false);
        var errors = items.SelectMany(item => Violations(request.Object, item)).ToList();
        if (errors.Count > 0)
            throw ApiException.Forbidden("", "pods", request.Name, errors.Count == 1 ? errors[0] : $"[{string.Join(", ", errors)}]");
    }

    private async Task<List<JsonObject>> ContainerItemsAsync(string ns, CancellationToken ct)
    {
        var all = await storage.RangeAsync(new RangeRequest(limitRanges.NamespacePrefix(ns)), ct).ConfigureAwait(false);
        return all.Items.Select(kv => Json.ParseObject(kv.Value.Span))
            .SelectMany(lr => lr.Obj("spec")?["limits"] is JsonArray a ? a.OfType<JsonObject>() : [])
            .Where(item => item.Str("type") == "Container")
            .ToList();
    }

    /// <summary>mergeContainerResources over every container and init container; LimitRange defaulting fills defaultRequest from default, default from max.</summary>
    internal static void ApplyDefaults(JsonObject pod, IReadOnlyList<JsonObject> items)
    {
        var limits = new JsonObject();
        var requests = new JsonObject();
        foreach (var item in items)
        {
            foreach (var (k, v) in item.Obj("max") ?? []) limits[k] ??= v?.DeepClone();
            foreach (var (k, v) in item.Obj("default") ?? []) limits[k] = v?.DeepClone();
            foreach (var (k, v) in limits) requests[k] ??= v?.DeepClone();
            foreach (var (k, v) in item.Obj("defaultRequest") ?? []) requests[k] = v?.DeepClone();
        }
        var notes = new List<string>();
        foreach (var container in Containers(pod))
        {
            var resources = container.Ensure("resources");
            var setRequests = Merge(resources, "requests", requests, resources.Obj("limits"));
            var setLimits = Merge(resources, "limits", limits, null);
            var name = container.Str("name");
            if (setRequests.Count > 0) notes.Add($"{string.Join(", ", setRequests)} request for {Kind(pod, container)} {name}");
            if (setLimits.Count > 0) notes.Add($"{string.Join(", ", setLimits)} limit for {Kind(pod, container)} {name}");
            if (resources.Count == 0) container.Remove("resources");
        }
        if (notes.Count > 0) pod.Ensure("metadata").Ensure("annotations")[Annotation] = "LimitRanger plugin set: " + string.Join("; ", notes);
    }

    /// <summary>Sets the defaults a container lacks; a request the container's own limit fixes is left to core defaulting.</summary>
    private static List<string> Merge(JsonObject resources, string field, JsonObject defaults, JsonObject? ownLimits)
    {
        var set = new List<string>();
        foreach (var (k, v) in defaults)
        {
            var target = resources.Obj(field);
            if (target?[k] is not null) continue;
            target ??= resources.Ensure(field);
            target[k] = ownLimits?[k]?.DeepClone() ?? v?.DeepClone();
            set.Add(k);
        }
        return set;
    }

    private static IEnumerable<string> Violations(JsonObject pod, JsonObject item)
    {
        foreach (var container in Containers(pod))
        {
            var resources = container.Obj("resources");
            foreach (var (k, v) in item.Obj("min") ?? [])
            {
                var min = Quantities.Parse(v?.ToString());
                var request = Quantities.Of(resources.Obj("requests"), k);
                if (min is null) continue;
                if (request is null) yield return $"minimum {k} usage per Container is {Quantities.Canonical(v!.ToString())}.  No request is specified";
                else if (request < min) yield return $"minimum {k} usage per Container is {Quantities.Canonical(v!.ToString())}, but request is {Quantities.Canonical(resources.Obj("requests")![k]!.ToString())}";
            }
            foreach (var (k, v) in item.Obj("max") ?? [])
            {
                var max = Quantities.Parse(v?.ToString());
                var limit = Quantities.Of(resources.Obj("limits"), k);
                if (max is null) continue;
                if (limit is null) yield return $"maximum {k} usage per Container is {Quantities.Canonical(v!.ToString())}.  No limit is specified";
                else if (limit > max) yield return $"maximum {k} usage per Container is {Quantities.Canonical(v!.ToString())}, but limit is {Quantities.Canonical(resources.Obj("limits")![k]!.ToString())}";
            }
        }
    }

    private static IEnumerable<JsonObject> Containers(JsonObject pod)
    {
        var spec = pod.Obj("spec");
        foreach (var field in (string[])["initContainers", "containers"])
            if (spec?[field] is JsonArray a) foreach (var c in a.OfType<JsonObject>()) yield return c;
    }

    private static string Kind(JsonObject pod, JsonObject container) =>
        pod.Obj("spec")?["initContainers"] is JsonArray a && a.Contains(container) ? "init container" : "container";
}
