using System.Text.Json.Nodes;
using static Bosun.ApiServer.Registry.Defaulting.JsonDefaults;

namespace Bosun.ApiServer.Registry.Defaulting;

/// <summary>Defaults of the smaller kinds: Secret, PersistentVolume(Claim), HorizontalPodAutoscaler v2, Endpoints, EndpointSlice.</summary>
internal static class CoreDefaults
{
    /// <summary>Type Opaque; <c>stringData</c> is write-only: merged into <c>data</c> (base64, winning over the same key) and dropped, as upstream's conversion does.</summary>
    public static void Secret(JsonObject obj)
    {
        String(obj, "type", "Opaque");
        if (obj["stringData"] is not JsonObject stringData) return;
        var data = obj.Ensure("data");
        foreach (var (key, value) in stringData)
            data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
        obj.Remove("stringData");
    }

    /// <summary>A claim (also a StatefulSet's claim template) is Filesystem and, until bound, Pending.</summary>
    public static void PersistentVolumeClaim(JsonObject obj)
    {
        String(obj.Ensure("spec"), "volumeMode", "Filesystem");
        String(obj.Ensure("status"), "phase", "Pending");
    }

    public static void PersistentVolume(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        String(spec, "persistentVolumeReclaimPolicy", "Retain");
        String(spec, "volumeMode", "Filesystem");
        String(obj.Ensure("status"), "phase", "Pending");
    }

    /// <summary>autoscaling/v2: minReplicas 1 and, with no metrics at all, 80% average CPU utilization.</summary>
    public static void HorizontalPodAutoscaler(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        Pointer(spec, "minReplicas", 1);
        if (spec.Arr("metrics") is not { Count: > 0 })
        {
            spec["metrics"] = new JsonArray(new JsonObject
            {
                ["type"] = "Resource",
                ["resource"] = new JsonObject
                {
                    ["name"] = "cpu",
                    ["target"] = new JsonObject { ["type"] = "Utilization", ["averageUtilization"] = 80 },
                },
            });
        }
        // Behavior is defaulted only when present (SetDefaults_HorizontalPodAutoscalerBehavior).
        if (spec.Obj("behavior") is { } behavior)
        {
            ScalingRules(behavior.Ensure("scaleUp"), up: true);
            ScalingRules(behavior.Ensure("scaleDown"), up: false);
        }
    }

    private static void ScalingRules(JsonObject rules, bool up)
    {
        // Scale-down keeps no window of its own: the controller's flag (5 minutes) applies when it is unset.
        if (up) Pointer(rules, "stabilizationWindowSeconds", 0);
        String(rules, "selectPolicy", "Max");
        if (rules.Arr("policies") is not { Count: > 0 })
        {
            rules["policies"] = up
                ? new JsonArray(
                    new JsonObject { ["type"] = "Pods", ["value"] = 4, ["periodSeconds"] = 15 },
                    new JsonObject { ["type"] = "Percent", ["value"] = 100, ["periodSeconds"] = 15 })
                : new JsonArray(new JsonObject { ["type"] = "Percent", ["value"] = 100, ["periodSeconds"] = 15 });
        }
    }

    /// <summary>
    /// autoscaling/v1 as served from the v2 stored form: minReplicas 1, and a missing CPU target reads back as 80%
    /// in Kubernetes (v2 defaulting adds the metric, conversion shows it as the v1 target), so it is set directly.
    /// </summary>
    public static void HorizontalPodAutoscalerV1(JsonObject obj)
    {
        var spec = obj.Ensure("spec");
        Pointer(spec, "minReplicas", 1);
        var annotations = obj.Obj("metadata").Obj("annotations");
        if (annotations?.ContainsKey("autoscaling.alpha.kubernetes.io/metrics") != true) Pointer(spec, "targetCPUUtilizationPercentage", 80);
    }

    public static void Endpoints(JsonObject obj)
    {
        foreach (var subset in Items(obj, "subsets"))
            foreach (var port in Items(subset, "ports"))
                String(port, "protocol", "TCP");
    }

    public static void EndpointSlice(JsonObject obj)
    {
        foreach (var port in Items(obj, "ports"))
        {
            Pointer(port, "protocol", "TCP");
            Pointer(port, "name", "");
        }
    }
}
