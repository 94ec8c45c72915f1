using System.Text.Json.Nodes;
using Bosun.Api;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>Pods: start Pending, have no generation (kube-apiserver ≤ 1.32), and are deleted gracefully once bound to a node.</summary>
internal sealed class PodStrategy : IResourceStrategy
{
    public void PrepareForCreate(JsonObject obj)
    {
        obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(obj.Obj("spec")) };
    }

    public IEnumerable<FieldError> Validate(JsonObject obj)
    {
        var containers = obj.Obj("spec").Arr("containers");
        if (containers is null || containers.Count == 0)
        {
            yield return FieldError.Required("spec.containers");
            yield break;
        }
        var names = new HashSet<string>();
        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i] as JsonObject;
            var name = c.Str("name");
            if (string.IsNullOrEmpty(name))
                yield return FieldError.Required($"spec.containers[{i}].name");
            else if (!names.Add(name))
                yield return FieldError.Duplicate($"spec.containers[{i}].name", name);
            if (string.IsNullOrEmpty(c.Str("image")))
                yield return FieldError.Required($"spec.containers[{i}].image");
        }
        if (obj.Obj("spec").Str("restartPolicy") is { Length: > 0 } policy && policy is not ("Always" or "OnFailure" or "Never"))
            yield return FieldError.NotSupported("spec.restartPolicy", policy, ["Always", "OnFailure", "Never"]);
    }

    /// <summary>
    /// kube-apiserver's CheckGracefulDelete: an unscheduled or finished pod goes at once; otherwise the request's
    /// grace period, else the pod's terminationGracePeriodSeconds (default 30).
    /// </summary>
    public long? GracePeriodSeconds(JsonObject obj, long? requested)
    {
        var spec = obj.Obj("spec");
        if (string.IsNullOrEmpty(spec.Str("nodeName"))) return 0;
        if (obj.Obj("status").Str("phase") is "Succeeded" or "Failed") return 0;
        var grace = requested ?? spec.Long("terminationGracePeriodSeconds") ?? 30;
        // A negative value means "as soon as possible"; Kubernetes turns it into 1 second.
        return grace < 0 ? 1 : grace;
    }

    /// <summary>Guaranteed when every container's limits equal its requests for cpu and memory; BestEffort with none at all.</summary>
    internal static string QosClass(JsonObject? spec)
    {
        var containers = (spec.Arr("initContainers") ?? []).Concat(spec.Arr("containers") ?? []).OfType<JsonObject>().ToList();
        var any = false;
        var guaranteed = containers.Count > 0;
        foreach (var c in containers)
        {
            var requests = c.Obj("resources").Obj("requests");
            var limits = c.Obj("resources").Obj("limits");
            if (requests is { Count: > 0 } || limits is { Count: > 0 }) any = true;
            foreach (var r in (string[])["cpu", "memory"])
            {
                var limit = limits.Str(r);
                var request = requests.Str(r) ?? limit;
                if (limit is null || request != limit) guaranteed = false;
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }
}
