using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>Small core/v1 kinds: Namespaces, ConfigMaps, Secrets, ServiceAccounts, ResourceQuotas.</summary>
internal static class CoreTables
{
    public static readonly TableConvertor Namespaces = new(
    [
        Col.Name(),
        Col.Str("Status", "The status of the namespace"),
        Col.Age(),
    ], (ns, now) => [Json.Name(ns), Json.Str(ns["status"], "phase"), Json.Age(ns, now)]);

    public static readonly TableConvertor ConfigMaps = new(
    [
        Col.Name(),
        Col.Str("Data", ColumnDocs.ConfigMapData),
        Col.Age(),
    ], (cm, now) => [Json.Name(cm), (long)(Json.Count(cm, "data") + Json.Count(cm, "binaryData")), Json.Age(cm, now)]);

    public static readonly TableConvertor Secrets = new(
    [
        Col.Name(),
        Col.Str("Type", ColumnDocs.SecretType),
        Col.Str("Data", ColumnDocs.SecretData),
        Col.Age(),
    ], (s, now) => [Json.Name(s), Json.StrOrNull(s, "type") is { Length: > 0 } t ? t : "Opaque", (long)Json.Count(s, "data"), Json.Age(s, now)]);

    public static readonly TableConvertor ServiceAccounts = new(
    [
        Col.Name(),
        Col.Str("Secrets", ColumnDocs.ServiceAccountSecrets),
        Col.Age(),
    ], (sa, now) => [Json.Name(sa), (long)Json.Count(sa, "secrets"), Json.Age(sa, now)]);

    public static readonly TableConvertor ResourceQuotas = new(
    [
        Col.Name(),
        Col.Str("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
        Col.Str("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
        Col.Age(),
    ], ResourceQuotaCells);

    private static object?[] ResourceQuotaCells(JsonObject rq, DateTimeOffset now)
    {
        var status = rq["status"];
        var hard = Json.Obj(status, "hard");
        var used = Json.Obj(status, "used");
        var request = new StringBuilder();
        var limit = new StringBuilder();
        if (hard is not null)
        {
            var resources = hard.Select(p => p.Key).ToList();
            resources.Sort(StringComparer.Ordinal);
            foreach (var resource in resources)
            {
                // Resources named limits.* go to the Limit column, everything else to Request.
                var target = resource.StartsWith("limits.", StringComparison.Ordinal) ? limit : request;
                if (target.Length > 0)
                {
                    target.Append(", ");
                }
                target.Append(resource).Append(": ")
                    .Append(Json.Scalar(used, resource) ?? "0").Append('/')
                    .Append(Json.Scalar(hard, resource) ?? "0");
            }
        }
        return [Json.Name(rq), request.ToString(), limit.ToString(), Json.Age(rq, now)];
    }
}
