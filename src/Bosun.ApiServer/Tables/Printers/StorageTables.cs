using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Tables.Printers;

/// <summary>PersistentVolumes, PersistentVolumeClaims and StorageClasses.</summary>
internal static class StorageTables
{
    private const string BetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    public static readonly TableConvertor PersistentVolumes = new(
    [
        Col.Name(),
        Col.Str("Capacity", ColumnDocs.PvCapacity),
        Col.Str("Access Modes", ColumnDocs.PvAccessModes),
        Col.Str("Reclaim Policy", ColumnDocs.PvReclaimPolicy),
        Col.Str("Status", ColumnDocs.PvPhase),
        Col.Str("Claim", ColumnDocs.PvClaimRef),
        Col.Str("StorageClass", "StorageClass of the pv"),
        Col.Str("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
        Col.Str("Reason", ColumnDocs.PvReason),
        Col.Age(),
        Col.Str("VolumeMode", ColumnDocs.PvVolumeMode, 1),
    ], PvCells);

    public static readonly TableConvertor PersistentVolumeClaims = new(
    [
        Col.Name(),
        Col.Str("Status", ColumnDocs.PvcPhase),
        Col.Str("Volume", ColumnDocs.PvcVolumeName),
        Col.Str("Capacity", ColumnDocs.PvcCapacity),
        Col.Str("Access Modes", ColumnDocs.PvcAccessModes),
        Col.Str("StorageClass", "StorageClass of the pvc"),
        Col.Str("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
        Col.Age(),
        Col.Str("VolumeMode", ColumnDocs.PvcVolumeMode, 1),
    ], PvcCells);

    public static readonly TableConvertor StorageClasses = new(
    [
        Col.Name(),
        Col.Str("Provisioner", ColumnDocs.ScProvisioner),
        Col.Str("ReclaimPolicy", ColumnDocs.ScReclaimPolicy),
        Col.Str("VolumeBindingMode", ColumnDocs.ScBindingMode),
        Col.Str("AllowVolumeExpansion", ColumnDocs.ScAllowExpansion),
        Col.Age(),
    ], StorageClassCells);

    private static object?[] PvCells(JsonObject pv, DateTimeOffset now)
    {
        var spec = pv["spec"];
        string claim = "";
        if (JsonRead.Obj(spec, "claimRef") is { } claimRef)
        {
            claim = JsonRead.Str(claimRef, "namespace") + "/" + JsonRead.Str(claimRef, "name");
        }
        string storageClass = JsonRead.Str(JsonRead.Obj(pv["metadata"], "annotations"), BetaStorageClassAnnotation) is { Length: > 0 } beta
            ? beta
            : JsonRead.Str(spec, "storageClassName");
        return
        [
            JsonRead.Name(pv),
            JsonRead.Scalar(JsonRead.Obj(spec, "capacity"), "storage") ?? "0",
            AccessModes(JsonRead.Arr(spec, "accessModes")),
            JsonRead.Str(spec, "persistentVolumeReclaimPolicy"),
            Phase(pv),
            claim,
            storageClass,
            JsonRead.StrOrNull(spec, "volumeAttributesClassName") ?? CellFormat.Unset,
            JsonRead.Str(pv["status"], "reason"),
            JsonRead.Age(pv, now),
            JsonRead.StrOrNull(spec, "volumeMode") ?? CellFormat.Unset,
        ];
    }

    private static object?[] PvcCells(JsonObject pvc, DateTimeOffset now)
    {
        var spec = pvc["spec"];
        var status = pvc["status"];
        string volume = JsonRead.Str(spec, "volumeName");
        string capacity = "";
        string accessModes = "";
        if (volume.Length > 0)
        {
            // Capacity and modes are only meaningful once the claim is bound to a volume.
            accessModes = AccessModes(JsonRead.Arr(status, "accessModes"));
            capacity = JsonRead.Scalar(JsonRead.Obj(status, "capacity"), "storage") ?? "0";
        }
        string storageClass = JsonRead.Str(JsonRead.Obj(pvc["metadata"], "annotations"), BetaStorageClassAnnotation) is { Length: > 0 } beta
            ? beta
            : JsonRead.Str(spec, "storageClassName");
        return
        [
            JsonRead.Name(pvc),
            Phase(pvc),
            volume,
            capacity,
            accessModes,
            storageClass,
            JsonRead.StrOrNull(spec, "volumeAttributesClassName") ?? CellFormat.Unset,
            JsonRead.Age(pvc, now),
            JsonRead.StrOrNull(spec, "volumeMode") ?? CellFormat.Unset,
        ];
    }

    private static object?[] StorageClassCells(JsonObject sc, DateTimeOffset now)
    {
        var annotations = JsonRead.Obj(sc["metadata"], "annotations");
        string name = JsonRead.Name(sc);
        if (JsonRead.Str(annotations, "storageclass.kubernetes.io/is-default-class") == "true"
            || JsonRead.Str(annotations, "storageclass.beta.kubernetes.io/is-default-class") == "true")
        {
            name += " (default)";
        }
        return
        [
            name,
            JsonRead.Str(sc, "provisioner"),
            JsonRead.StrOrNull(sc, "reclaimPolicy") ?? "Delete",
            JsonRead.StrOrNull(sc, "volumeBindingMode") ?? "Immediate",
            JsonRead.Bool(sc, "allowVolumeExpansion"),
            JsonRead.Age(sc, now),
        ];
    }

    private static string Phase(JsonObject obj) =>
        JsonRead.StrOrNull(obj["metadata"], "deletionTimestamp") is { Length: > 0 } ? "Terminating" : JsonRead.Str(obj["status"], "phase");

    /// <summary><c>GetAccessModesAsString</c>: RWO, ROX, RWX, RWOP in that fixed order.</summary>
    private static string AccessModes(JsonArray? modes)
    {
        var set = JsonRead.Strings(modes).ToHashSet(StringComparer.Ordinal);
        var parts = new List<string>(4);
        if (set.Contains("ReadWriteOnce"))
        {
            parts.Add("RWO");
        }
        if (set.Contains("ReadOnlyMany"))
        {
            parts.Add("ROX");
        }
        if (set.Contains("ReadWriteMany"))
        {
            parts.Add("RWX");
        }
        if (set.Contains("ReadWriteOncePod"))
        {
            parts.Add("RWOP");
        }
        return string.Join(",", parts);
    }
}
