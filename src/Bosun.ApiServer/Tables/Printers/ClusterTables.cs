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
        JsonRead.Name(va),
        JsonRead.Str(va["spec"], "attacher"),
        JsonRead.Str(JsonRead.Obj(va["spec"], "source"), "persistentVolumeName"),
        JsonRead.Str(va["spec"], "nodeName"),
        JsonRead.Bool(va["status"], "attached"),
        JsonRead.Age(va, now),
    ]);

    public static readonly TableConvertor CsiNodes = new(
    [
        Col.Name(),
        Col.Int("Drivers", "Drivers indicates the number of CSI drivers registered on the node"),
        Col.Age(),
    ], (n, now) => [JsonRead.Name(n), (long)JsonRead.Count(n["spec"], "drivers"), JsonRead.Age(n, now)]);

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
        foreach (var c in JsonRead.Objects(JsonRead.Arr(csr["status"], "conditions")))
        {
            switch (JsonRead.Str(c, "type"))
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
        if (JsonRead.Str(csr["status"], "certificate").Length > 0)
        {
            condition += ",Issued";
        }
        string duration = JsonRead.LongOrNull(spec, "expirationSeconds") is { } seconds
            ? HumanDuration.Format(TimeSpan.FromSeconds(seconds))
            : CellFormat.None;
        string signer = JsonRead.Str(spec, "signerName");
        return
        [
            JsonRead.Name(csr), JsonRead.Age(csr, now), signer.Length == 0 ? CellFormat.None : signer,
            JsonRead.Str(spec, "username"), duration, condition,
        ];
    }

    private static object?[] CsiDriverCells(JsonObject driver, DateTimeOffset now)
    {
        var spec = driver["spec"];
        string modes = string.Join(",", JsonRead.Strings(JsonRead.Arr(spec, "volumeLifecycleModes")));
        string tokenRequests = JsonRead.Arr(spec, "tokenRequests") is { } requests
            ? string.Join(",", JsonRead.Objects(requests).Select(r => JsonRead.Str(r, "audience")))
            : CellFormat.Unset;
        return
        [
            JsonRead.Name(driver),
            JsonRead.BoolOrNull(spec, "attachRequired") ?? true,
            JsonRead.Bool(spec, "podInfoOnMount"),
            JsonRead.Bool(spec, "storageCapacity"),
            tokenRequests,
            JsonRead.Bool(spec, "requiresRepublish"),
            modes.Length == 0 ? CellFormat.None : modes,
            JsonRead.Age(driver, now),
        ];
    }

    private static object?[] ComponentStatusCells(JsonObject cs, DateTimeOffset now)
    {
        string status = "Unknown", message = "", error = "";
        foreach (var c in JsonRead.Objects(JsonRead.Arr(cs, "conditions")))
        {
            if (JsonRead.Str(c, "type") == "Healthy")
            {
                status = JsonRead.Str(c, "status") == "True" ? "Healthy" : "Unhealthy";
                message = JsonRead.Str(c, "message");
                error = JsonRead.Str(c, "error");
                break;
            }
        }
        return [JsonRead.Name(cs), status, message, error];
    }
}
