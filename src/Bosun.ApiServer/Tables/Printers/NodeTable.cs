using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>Nodes: Status from the Ready condition plus SchedulingDisabled, Roles from the node-role labels, and the node info columns.</summary>
internal static class NodeTable
{
    private const string RoleLabelPrefix = "node-role.kubernetes.io/";
    private const string LegacyRoleLabel = "kubernetes.io/role";

    public static readonly TableConvertor Convertor = new(
    [
        Col.Name(),
        Col.Str("Status", "The status of the node"),
        Col.Str("Roles", "The roles of the node"),
        Col.Age(),
        Col.Str("Version", ColumnDocs.NodeKubeletVersion),
        Col.Str("Internal-IP", ColumnDocs.NodeAddresses, 1),
        Col.Str("External-IP", ColumnDocs.NodeAddresses, 1),
        Col.Str("OS-Image", ColumnDocs.NodeOsImage, 1),
        Col.Str("Kernel-Version", ColumnDocs.NodeKernelVersion, 1),
        Col.Str("Container-Runtime", ColumnDocs.NodeContainerRuntime, 1),
    ], Cells);

    private static object?[] Cells(JsonObject node, DateTimeOffset now)
    {
        var status = node["status"];
        var info = Json.Obj(status, "nodeInfo");

        string state = "Unknown";
        foreach (var cond in Json.Objects(Json.Arr(status, "conditions")))
        {
            // Only Ready is reported; with duplicates the last one wins, as in the map the printer builds.
            if (Json.Str(cond, "type") == "Ready")
            {
                state = Json.Str(cond, "status") == "True" ? "Ready" : "NotReady";
            }
        }
        if (Json.Bool(node["spec"], "unschedulable"))
        {
            state += ",SchedulingDisabled";
        }

        string roles = string.Join(",", Roles(Json.Obj(node["metadata"], "labels")));

        return
        [
            Json.Name(node),
            state,
            roles.Length == 0 ? CellFormat.None : roles,
            Json.Age(node, now),
            Json.Str(info, "kubeletVersion"),
            Address(status, "InternalIP"),
            Address(status, "ExternalIP"),
            OrUnknown(Json.Str(info, "osImage")),
            OrUnknown(Json.Str(info, "kernelVersion")),
            OrUnknown(Json.Str(info, "containerRuntimeVersion")),
        ];
    }

    /// <summary>Sorted, de-duplicated roles from <c>node-role.kubernetes.io/&lt;role&gt;</c> keys and the legacy <c>kubernetes.io/role</c> value.</summary>
    internal static IEnumerable<string> Roles(JsonObject? labels)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        if (labels is null)
        {
            return roles;
        }
        foreach (var (key, _) in labels)
        {
            if (key.StartsWith(RoleLabelPrefix, StringComparison.Ordinal))
            {
                string role = key[RoleLabelPrefix.Length..];
                if (role.Length > 0)
                {
                    roles.Add(role);
                }
            }
            else if (key == LegacyRoleLabel && Json.Str(labels, key) is { Length: > 0 } value)
            {
                roles.Add(value);
            }
        }
        return roles;
    }

    private static string Address(JsonNode? status, string type)
    {
        foreach (var a in Json.Objects(Json.Arr(status, "addresses")))
        {
            if (Json.Str(a, "type") == type)
            {
                return Json.Str(a, "address");
            }
        }
        return CellFormat.None;
    }

    private static string OrUnknown(string s) => s.Length == 0 ? HumanDuration.Unknown : s;
}
