using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// Turns stored bytes into served objects and back. Stored objects never carry <c>metadata.resourceVersion</c>:
/// it is the storage mod revision, filled in on every read (as kube-apiserver's etcd3 store does).
/// </summary>
internal static class ObjectCodec
{
    public static JsonObject Decode(ResourceRegistration reg, KeyValue kv) => Decode(reg, kv.Value.Span, kv.ModRevision);

    public static JsonObject Decode(ResourceRegistration reg, ReadOnlySpan<byte> value, long revision)
    {
        var obj = Json.ParseObject(value);
        if (reg.Converter is { } converter) obj = converter.FromStored(obj);
        SetTypeMeta(obj, reg);
        obj.Ensure("metadata")["resourceVersion"] = FormatRevision(revision);
        return obj;
    }

    public static byte[] Encode(ResourceRegistration reg, JsonObject obj)
    {
        // Take resourceVersion out for the write and put it back, rather than copying the whole object.
        var meta = obj.Obj("metadata");
        var rv = meta?["resourceVersion"];
        meta?.Remove("resourceVersion");
        try
        {
            return Json.ToBytes(reg.Converter is { } converter ? converter.ToStored(obj) : obj);
        }
        finally
        {
            if (rv is not null) meta!["resourceVersion"] = rv;
        }
    }

    /// <summary>apiVersion and kind first, as Go writes them; kubectl does not need the order but humans reading dumps do.</summary>
    public static void SetTypeMeta(JsonObject obj, ResourceRegistration reg)
    {
        if (obj.Str("apiVersion") == reg.ApiVersion && obj.Str("kind") == reg.Kind) return;
        obj.Remove("apiVersion");
        obj.Remove("kind");
        obj.Insert(0, "apiVersion", reg.ApiVersion);
        obj.Insert(1, "kind", reg.Kind);
    }

    public static string FormatRevision(long revision) => revision.ToString(CultureInfo.InvariantCulture);

    /// <summary>RFC 3339 in UTC with whole seconds, as Go's metav1.Time.</summary>
    public static string FormatTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
