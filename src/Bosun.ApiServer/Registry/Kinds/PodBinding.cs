using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>
/// The <c>pods/binding</c> subresource (kube-apiserver's BindingREST): a POSTed core/v1 <c>Binding</c> assigns an
/// unassigned pod to a node, sets <c>spec.nodeName</c>, copies the binding's annotations, and marks the pod
/// PodScheduled=True. A pod that already has a node, or is being deleted, answers 409 Conflict.
/// </summary>
internal static class PodBinding
{
    public const string Subresource = "binding";

    public static bool Serves(ResourceRegistration reg) => reg.Group.Length == 0 && reg.Resource == "pods";

    public static async Task HandleAsync(HttpContext ctx, GenericStore store, RequestInfo info, ResponseWriter responses, CancellationToken ct)
    {
        if (ctx.Request.Method != "POST" || info.Name is null)
            throw ApiException.MethodNotAllowed(ctx.Request.Method.ToLowerInvariant(), "pods/binding");
        ctx.Items[RequestMetrics.VerbKey] = "create";
        ctx.Items[RequestMetrics.ResourceKey] = ("", "pods");
        var binding = await RequestBody.ReadObjectAsync(ctx.Request, ct);
        var name = info.Name;
        var (node, annotations) = Validate(binding, name);
        var dryRun = ctx.Request.Query.DryRun("CreateOptions");
        await store.UpdateAsync(info.Namespace, name, UpdateKind.Any,
            pod => Assign(pod, name, node, annotations, TimeProvider.System.GetUtcNow()),
            new WriteOptions { DryRun = dryRun }, ct);
        await responses.ObjectAsync(ctx, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["code"] = 201,
        }, 201);
    }

    /// <summary>Checks the Binding body; returns the target node and the annotations to copy onto the pod.</summary>
    internal static (string Node, JsonObject? Annotations) Validate(JsonObject binding, string name)
    {
        var bodyName = binding.Obj("metadata").Str("name");
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
            throw ApiException.BadRequest("name in URL does not match name in Binding object");
        var target = binding.Obj("target");
        var kind = target.Str("kind");
        var errors = new List<Bosun.Api.FieldError>();
        if (!string.IsNullOrEmpty(kind) && kind != "Node")
            errors.Add(Bosun.Api.FieldError.NotSupported("target.kind", kind, ["Node", "<empty>"]));
        var node = target.Str("name");
        if (string.IsNullOrEmpty(node))
            errors.Add(Bosun.Api.FieldError.Required("target.name"));
        if (errors.Count > 0) throw ApiException.Invalid("", "Binding", name, errors);
        return (node!, binding.Obj("metadata").Obj("annotations"));
    }

    /// <summary>The update applied to the stored pod (BindingREST.setPodNodeName).</summary>
    internal static JsonObject Assign(JsonObject pod, string name, string node, JsonObject? annotations, DateTimeOffset now)
    {
        var meta = pod.Obj("metadata")!;
        if (meta["deletionTimestamp"] is not null)
            throw ApiException.Conflict("", "pods/binding", name, $"pod {name} is being deleted, cannot be assigned to a host");
        var spec = pod.Ensure("spec");
        if (spec.Str("nodeName") is { Length: > 0 } assigned)
            throw ApiException.Conflict("", "pods/binding", name, $"pod {name} is already assigned to node \"{assigned}\"");
        if (spec.Arr("schedulingGates") is { Count: > 0 })
            throw ApiException.Conflict("", "pods/binding", name, $"pod {name} has non-empty .spec.schedulingGates");
        spec["nodeName"] = node;
        if (annotations is { Count: > 0 })
        {
            var target = meta.Ensure("annotations");
            foreach (var (k, v) in annotations) target[k] = v?.DeepClone();
        }
        var conditions = pod.Ensure("status").Arr("conditions") ?? (JsonArray)(pod.Obj("status")!["conditions"] = new JsonArray());
        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c.Str("type") == "PodScheduled");
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (existing is null)
        {
            conditions.Add(new JsonObject { ["type"] = "PodScheduled", ["status"] = "True", ["lastProbeTime"] = null, ["lastTransitionTime"] = stamp });
        }
        else if (existing.Str("status") != "True")
        {
            existing["status"] = "True";
            existing["lastTransitionTime"] = stamp;
            existing.Remove("reason");
            existing.Remove("message");
        }
        return pod;
    }
}
