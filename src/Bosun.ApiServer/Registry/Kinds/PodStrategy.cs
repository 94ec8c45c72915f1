using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Registry.Checks;
using Bosun.ApiServer.Registry.Defaulting;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>Pods: pod defaults and validation, a spec that is fixed after create (but for images and a few fields), start Pending, have no generation (kube-apiserver ≤ 1.32), and are deleted gracefully once bound to a node.</summary>
internal sealed class PodStrategy : IResourceStrategy
{
    public void PrepareForCreate(JsonObject obj)
    {
        // Admission runs after decoding (defaults) and before validation, on create only.
        PodAdmissionDefaults.Apply(obj);
        obj["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(obj.Obj("spec")) };
    }

    public void Default(JsonObject obj) => PodSpecDefaults.ApplyPod(obj);

    public IEnumerable<FieldError> Validate(JsonObject obj) => PodSpecChecks.Validate(obj.Obj("spec"), "spec");

    public IEnumerable<FieldError> ValidateUpdate(JsonObject obj, JsonObject old) => PodUpdateChecks.Validate(obj, old);

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
