using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>
/// HorizontalPodAutoscalers in autoscaling/v2 or v1 form. A v1 object's targetCPUUtilizationPercentage is read as the
/// cpu utilisation metric the v2 conversion makes of it, and an HPA without metrics gets the defaulted 80% cpu target.
/// </summary>
internal static class HorizontalPodAutoscalerTable
{
    private const int DefaultCpuUtilization = 80;

    public static readonly TableConvertor Convertor = new(
    [
        Col.Name(),
        Col.Str("Reference", ColumnDocs.HpaScaleTargetRef),
        Col.Str("Targets", ColumnDocs.HpaMetrics),
        Col.Str("MinPods", ColumnDocs.HpaMinReplicas),
        Col.Str("MaxPods", ColumnDocs.HpaMaxReplicas),
        Col.Str("Replicas", ColumnDocs.HpaCurrentReplicas),
        Col.Age(),
    ], Cells);

    private static object?[] Cells(JsonObject hpa, DateTimeOffset now)
    {
        var spec = hpa["spec"];
        var status = hpa["status"];
        var target = Json.Obj(spec, "scaleTargetRef");
        long? min = Json.LongOrNull(spec, "minReplicas");
        return
        [
            Json.Name(hpa),
            Json.Str(target, "kind") + "/" + Json.Str(target, "name"),
            Targets(spec, status),
            min is { } m ? m.ToString(System.Globalization.CultureInfo.InvariantCulture) : CellFormat.Unset,
            Json.Long(spec, "maxReplicas"),
            Json.Long(status, "currentReplicas"),
            Json.Age(hpa, now),
        ];
    }

    private static string Targets(JsonNode? spec, JsonNode? status)
    {
        var specs = Json.Arr(spec, "metrics");
        var statuses = Json.Arr(status, "currentMetrics");
        if (specs is not { Count: > 0 })
        {
            // v1 shape (or a v2 object before defaulting): a single cpu utilisation target.
            long cpuTarget = Json.LongOrNull(spec, "targetCPUUtilizationPercentage") ?? DefaultCpuUtilization;
            string current = Json.LongOrNull(status, "currentCPUUtilizationPercentage") is { } c ? c + "%" : HumanDuration.Unknown;
            if (statuses is { Count: > 0 })
            {
                current = ResourceUtilization(statuses, 0) ?? current;
            }
            return "cpu: " + current + "/" + cpuTarget + "%";
        }

        const int max = 2;
        var list = new List<string>();
        int i = 0;
        foreach (var ms in Json.Objects(specs))
        {
            var st = statuses is not null && statuses.Count > i ? statuses[i] as JsonObject : null;
            list.Add(FormatMetric(ms, st));
            i++;
        }
        if (list.Count > max)
        {
            return string.Join(", ", list.Take(max)) + " + " + (list.Count - max) + " more...";
        }
        return string.Join(", ", list);
    }

    private static string? ResourceUtilization(JsonArray statuses, int i) =>
        statuses[i] is JsonObject st && Json.LongOrNull(Json.Obj(Json.Obj(st, "resource"), "current"), "averageUtilization") is { } u
            ? u + "%"
            : null;

    private static string FormatMetric(JsonObject spec, JsonObject? status)
    {
        const string unknown = HumanDuration.Unknown;
        switch (Json.Str(spec, "type"))
        {
            case "External":
            case "Object":
            {
                string field = Json.Str(spec, "type") == "External" ? "external" : "object";
                var target = Json.Obj(Json.Obj(spec, field), "target");
                var current = Json.Obj(Json.Obj(status, field), "current");
                if (Json.Scalar(target, "averageValue") is { } avg)
                {
                    return (Json.Scalar(current, "averageValue") ?? unknown) + "/" + avg + " (avg)";
                }
                string cur = Json.Obj(status, field) is null ? unknown : Json.Scalar(current, "value") ?? "0";
                return cur + "/" + (Json.Scalar(target, "value") ?? "0");
            }
            case "Pods":
            {
                var target = Json.Obj(Json.Obj(spec, "pods"), "target");
                string cur = Json.Obj(status, "pods") is null ? unknown
                    : Json.Scalar(Json.Obj(Json.Obj(status, "pods"), "current"), "averageValue") ?? "0";
                return cur + "/" + (Json.Scalar(target, "averageValue") ?? "0");
            }
            case "Resource":
            case "ContainerResource":
            {
                string field = Json.Str(spec, "type") == "Resource" ? "resource" : "containerResource";
                var source = Json.Obj(spec, field);
                string name = Json.Str(source, "name");
                var target = Json.Obj(source, "target");
                var statusSource = Json.Obj(status, field);
                var current = Json.Obj(statusSource, "current");
                if (Json.Scalar(target, "averageValue") is { } avg)
                {
                    string cur = statusSource is null ? unknown : Json.Scalar(current, "averageValue") ?? "0";
                    return name + ": " + cur + "/" + avg;
                }
                string curUtil = Json.LongOrNull(current, "averageUtilization") is { } u ? u + "%" : unknown;
                string targetUtil = Json.LongOrNull(target, "averageUtilization") is { } t ? t + "%" : "<auto>";
                return name + ": " + curUtil + "/" + targetUtil;
            }
            default:
                return "<unknown type>";
        }
    }
}
