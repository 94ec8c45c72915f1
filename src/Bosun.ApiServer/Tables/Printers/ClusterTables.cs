using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>Cluster infrastructure kinds: CertificateSigningRequests, VolumeAttachments, CSINodes, CSIDrivers, ComponentStatuses.</summary>
internal static class ClusterTables
{
    public static readonly TableConvertor CertificateSigningRequests = new(
    [
        Col.Name(),
        Col.Age(),
        Col.Str("SignerName", ColumnDocs.CsrSignerName),
        // Upstream describes Requestor with the "request" field's documentation; kept for parity.
        Col.Str("Requestor", ColumnDocs.CsrRequest),
        Col.Str("RequestedDuration", ColumnDocs.CsrExpirationSeconds),
        Col.Str("Condition", ColumnDocs.CsrConditions),
    ], CsrCells);

    public static readonly TableConvertor VolumeAttachments = new(
    [
        Col.Name(),
        new TableColumn("Attacher", "string", "name", ColumnDocs.VaAttacher, 0),
        Col.Str("PV", ColumnDocs.VaPersistentVolumeName),
        Col.Str("Node", ColumnDocs.VaNodeName),
        Col.Bool("Attached", ColumnDocs.VaAttached),
        Col.Age(),
    ], (va, now) =>
    [
        Json.Name(va),
        Json.Str(va["spec"], "attacher"),
        Json.Str(Json.Obj(va["spec"], "source"), "persistentVolumeName"),
        Json.Str(va["spec"], "nodeName"),
        Json.Bool(va["status"], "attached"),
        Json.Age(va, now),
    ]);

    public static readonly TableConvertor CsiNodes = new(
    [
        Col.Name(),
        Col.Int("Drivers", "Drivers indicates the number of CSI drivers registered on the node"),
        Col.Age(),
    ], (n, now) => [Json.Name(n), (long)Json.Count(n["spec"], "drivers"), Json.Age(n, now)]);

    public static readonly TableConvertor CsiDrivers = new(
    [
        Col.Name(),
        Col.Bool("AttachRequired", ColumnDocs.CsiAttachRequired),
        Col.Bool("PodInfoOnMount", ColumnDocs.CsiPodInfoOnMount),
        Col.Bool("StorageCapacity", ColumnDocs.CsiStorageCapacity),
        Col.Str("TokenRequests", ColumnDocs.CsiTokenRequests),
        Col.Bool("RequiresRepublish", ColumnDocs.CsiRequiresRepublish),
        Col.Str("Modes", ColumnDocs.CsiModes),
        Col.Age(),
    ], CsiDriverCells);

    public static readonly TableConvertor ComponentStatuses = new(
    [
        Col.Name(),
        Col.Str("Status", "Status of the component conditions"),
        Col.Str("Message", "Message of the component conditions"),
        Col.Str("Error", "Error of the component conditions"),
    ], ComponentStatusCells);

    private static object?[] CsrCells(JsonObject csr, DateTimeOffset now)
    {
        var spec = csr["spec"];
        bool approved = false, denied = false, failed = false;
        foreach (var c in Json.Objects(Json.Arr(csr["status"], "conditions")))
        {
            switch (Json.Str(c, "type"))
            {
                case "Approved":
                    approved = true;
                    break;
                case "Denied":
                    denied = true;
                    break;
                case "Failed":
                    failed = true;
                    break;
            }
        }
        // Denied wins over Approved; Failed and Issued are appended.
        string condition = denied ? "Denied" : approved ? "Approved" : "Pending";
        if (failed)
        {
            condition += ",Failed";
        }
        if (Json.Str(csr["status"], "certificate").Length > 0)
        {
            condition += ",Issued";
        }
        string duration = Json.LongOrNull(spec, "expirationSeconds") is { } seconds
            ? HumanDuration.Format(TimeSpan.FromSeconds(seconds))
            : CellFormat.None;
        string signer = Json.Str(spec, "signerName");
        return
        [
            Json.Name(csr), Json.Age(csr, now), signer.Length == 0 ? CellFormat.None : signer,
            Json.Str(spec, "username"), duration, condition,
        ];
    }

    private static object?[] CsiDriverCells(JsonObject driver, DateTimeOffset now)
    {
        var spec = driver["spec"];
        string modes = string.Join(",", Json.Strings(Json.Arr(spec, "volumeLifecycleModes")));
        string tokenRequests = Json.Arr(spec, "tokenRequests") is { } requests
            ? string.Join(",", Json.Objects(requests).Select(r => Json.Str(r, "audience")))
            : CellFormat.Unset;
        return
        [
            Json.Name(driver),
            Json.BoolOrNull(spec, "attachRequired") ?? true,
            Json.Bool(spec, "podInfoOnMount"),
            Json.Bool(spec, "storageCapacity"),
            tokenRequests,
            Json.Bool(spec, "requiresRepublish"),
            modes.Length == 0 ? CellFormat.None : modes,
            Json.Age(driver, now),
        ];
    }

    private static object?[] ComponentStatusCells(JsonObject cs, DateTimeOffset now)
    {
        string status = "Unknown", message = "", error = "";
        foreach (var c in Json.Objects(Json.Arr(cs, "conditions")))
        {
            if (Json.Str(c, "type") == "Healthy")
            {
                status = Json.Str(c, "status") == "True" ? "Healthy" : "Unhealthy";
                message = Json.Str(c, "message");
                error = Json.Str(c, "error");
                break;
            }
        }
        return [Json.Name(cs), status, message, error];
    }
}
