using System.Text.Json.Nodes;
using static Bosun.ApiServer.Registry.Defaulting.JsonDefaults;

namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>
/// What kube-apiserver's default mutating admission plugins add to a new Pod (create only, never templates):
/// the <c>default</c> service account name (ServiceAccount; its token volume is Admission/ServiceAccountAdmission's), priority 0 and PreemptLowerPriority (Priority), and the 300 s
/// not-ready/unreachable NoExecute tolerations (DefaultTolerationSeconds).
/// <para>
/// Not done, because they need storage lookups the pure strategy does not make: rejecting a missing service account,
/// a service account's automountServiceAccountToken, and the value of user-defined PriorityClasses (only the two system classes are known).
/// </para>
/// </summary>
internal static class PodAdmissionDefaults
{
    private const long DefaultTolerationSeconds = 300;

    public static void Apply(JsonObject pod)
    {
        var spec = pod.Ensure("spec");
        ServiceAccount(spec);
        Priority(spec);
        Tolerations(spec);
    }

    private static void ServiceAccount(JsonObject spec)
    {
        String(spec, "serviceAccountName", spec.Str("serviceAccount") is { Length: > 0 } legacy ? legacy : "default");
        // The deprecated alias mirrors the name, as the API server keeps them in step.
        spec["serviceAccount"] = spec.Str("serviceAccountName");
    }

    private static void Priority(JsonObject spec)
    {
        if (spec["priority"] is null)
        {
            long? priority = spec.Str("priorityClassName") switch
            {
                null or "" => 0,
                "system-node-critical" => 2000001000,
                "system-cluster-critical" => 2000000000,
                _ => null,
            };
            if (priority is { } p) spec["priority"] = p;
        }
        Pointer(spec, "preemptionPolicy", "PreemptLowerPriority");
    }

    private static void Tolerations(JsonObject spec)
    {
        var tolerations = spec.Arr("tolerations");
        foreach (var key in (string[])["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"])
        {
            var tolerated = tolerations?.OfType<JsonObject>().Any(t =>
                (t.Str("effect") is null or "" or "NoExecute")
                && (t.Str("key") == key || (string.IsNullOrEmpty(t.Str("key")) && t.Str("operator") == "Exists"))) == true;
            if (tolerated) continue;
            tolerations ??= (JsonArray)(spec["tolerations"] = new JsonArray());
            tolerations.Add(new JsonObject
            {
                ["key"] = key,
                ["operator"] = "Exists",
                ["effect"] = "NoExecute",
                ["tolerationSeconds"] = DefaultTolerationSeconds,
            });
        }
    }
}
