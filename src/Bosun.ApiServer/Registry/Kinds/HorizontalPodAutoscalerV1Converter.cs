using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry.Kinds;

/// <summary>
/// Serves autoscaling/v1 HorizontalPodAutoscalers from the stored autoscaling/v2 form: the v1 CPU utilization
/// target is the v2 <c>Resource cpu Utilization</c> metric. Other v2 metrics are not expressible in v1 and are
/// kept when a v1 client updates the object only if it does not touch them (known gap: no annotation round trip).
/// </summary>
internal sealed class HorizontalPodAutoscalerV1Converter : IVersionConverter
{
    public JsonObject ToStored(JsonObject served)
    {
        var stored = served.DeepClone().AsObject();
        stored["apiVersion"] = "autoscaling/v2";
        if (stored.Obj("spec") is { } spec)
        {
            var cpu = spec.Long("targetCPUUtilizationPercentage");
            spec.Remove("targetCPUUtilizationPercentage");
            if (cpu is not null)
                spec["metrics"] = new JsonArray(CpuMetric("target", "averageUtilization", cpu.Value, "Utilization"));
        }
        if (stored.Obj("status") is { } status)
        {
            var cpu = status.Long("currentCPUUtilizationPercentage");
            status.Remove("currentCPUUtilizationPercentage");
            if (cpu is not null) status["currentMetrics"] = new JsonArray(CpuMetric("current", "averageUtilization", cpu.Value, null));
        }
        return stored;
    }

    public JsonObject FromStored(JsonObject stored)
    {
        var served = stored.DeepClone().AsObject();
        served["apiVersion"] = "autoscaling/v1";
        if (served.Obj("spec") is { } spec)
        {
            var cpu = CpuUtilization(spec.Arr("metrics"), "target");
            spec.Remove("metrics");
            spec.Remove("behavior");
            if (cpu is not null) spec["targetCPUUtilizationPercentage"] = cpu;
        }
        if (served.Obj("status") is { } status)
        {
            var cpu = CpuUtilization(status.Arr("currentMetrics"), "current");
            status.Remove("currentMetrics");
            status.Remove("conditions");
            if (cpu is not null) status["currentCPUUtilizationPercentage"] = cpu;
        }
        return served;
    }

    private static JsonObject CpuMetric(string member, string field, long value, string? type)
    {
        var inner = new JsonObject();
        if (type is not null) inner["type"] = type;
        inner[field] = value;
        return new JsonObject
        {
            ["type"] = "Resource",
            ["resource"] = new JsonObject { ["name"] = "cpu", [member] = inner },
        };
    }

    private static long? CpuUtilization(JsonArray? metrics, string member) =>
        metrics?.OfType<JsonObject>()
            .Where(m => m.Str("type") == "Resource" && m.Obj("resource").Str("name") == "cpu")
            .Select(m => m.Obj("resource").Obj(member).Long("averageUtilization"))
            .FirstOrDefault(v => v is not null);
}
