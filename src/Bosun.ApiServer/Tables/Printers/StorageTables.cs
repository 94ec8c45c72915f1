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
        if (Json.Obj(spec, "claimRef") is { } claimRef)
        {
            claim = Json.Str(claimRef, "namespace") + "/" + Json.Str(claimRef, "name");
        }
        string storageClass = Json.Str(Json.Obj(pv["metadata"], "annotations"), BetaStorageClassAnnotation) is { Length: > 0 } beta
            ? beta
            : Json.Str(spec, "storageClassName");
        return
        [
            Json.Name(pv),
            Json.Scalar(Json.Obj(spec, "capacity"), "storage") ?? "0",
            AccessModes(Json.Arr(spec, "accessModes")),
            Json.Str(spec, "persistentVolumeReclaimPolicy"),
            Phase(pv),
            claim,
            storageClass,
            Json.StrOrNull(spec, "volumeAttributesClassName") ?? CellFormat.Unset,
            Json.Str(pv["status"], "reason"),
            Json.Age(pv, now),
            Json.StrOrNull(spec, "volumeMode") ?? CellFormat.Unset,
        ];
    }

    private static object?[] PvcCells(JsonObject pvc, DateTimeOffset now)
    {
        var spec = pvc["spec"];
        var status = pvc["status"];
        string volume = Json.Str(spec, "volumeName");
        string capacity = "";
        string accessModes = "";
        if (volume.Length > 0)
        {
            // Capacity and modes are only meaningful once the claim is bound to a volume.
            accessModes = AccessModes(Json.Arr(status, "accessModes"));
            capacity = Json.Scalar(Json.Obj(status, "capacity"), "storage") ?? "0";
        }
        string storageClass = Json.Str(Json.Obj(pvc["metadata"], "annotations"), BetaStorageClassAnnotation) is { Length: > 0 } beta
            ? beta
            : Json.Str(spec, "storageClassName");
        return
        [
            Json.Name(pvc),
            Phase(pvc),
            volume,
            capacity,
            accessModes,
            storageClass,
            Json.StrOrNull(spec, "volumeAttributesClassName") ?? CellFormat.Unset,
            Json.Age(pvc, now),
            Json.StrOrNull(spec, "volumeMode") ?? CellFormat.Unset,
        ];
    }

    private static object?[] StorageClassCells(JsonObject sc, DateTimeOffset now)
    {
        var annotations = Json.Obj(sc["metadata"], "annotations");
        string name = Json.Name(sc);
        if (Json.Str(annotations, "storageclass.kubernetes.io/is-default-class") == "true"
            || Json.Str(annotations, "storageclass.beta.kubernetes.io/is-default-class") == "true")
        {
            name += " (default)";
        }
        return
        [
            name,
            Json.Str(sc, "provisioner"),
            Json.StrOrNull(sc, "reclaimPolicy") ?? "Delete",
            Json.StrOrNull(sc, "volumeBindingMode") ?? "Immediate",
            Json.Bool(sc, "allowVolumeExpansion"),
            Json.Age(sc, now),
        ];
    }

    private static string Phase(JsonObject obj) =>
        Json.StrOrNull(obj["metadata"], "deletionTimestamp") is { Length: > 0 } ? "Terminating" : Json.Str(obj["status"], "phase");

    /// <summary><c>GetAccessModesAsString</c>: RWO, ROX, RWX, RWOP in that fixed order.</summary>
    private static string AccessModes(JsonArray? modes)
    {
        var set = Json.Strings(modes).ToHashSet(StringComparer.Ordinal);
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
