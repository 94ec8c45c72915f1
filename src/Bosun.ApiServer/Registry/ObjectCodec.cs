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

    /// <summary>
    /// The stored bytes of a new object (which has no resourceVersion yet) and, when the served form is the stored form
    /// plus <c>metadata.resourceVersion</c>, what is needed to make the answer from those bytes once the revision is
    /// known: a create then serializes the object once instead of twice.
    /// </summary>
    public static NewObjectBytes EncodeNew(ResourceRegistration reg, JsonObject obj)
    {
        var servedAsStored = reg.Converter is null && obj.Obj("metadata") is { } meta && !meta.ContainsKey("resourceVersion")
            && obj.Str("apiVersion") == reg.ApiVersion && obj.Str("kind") == reg.Kind;
        if (!servedAsStored) return new NewObjectBytes(Encode(reg, obj), -1, false);
        var bytes = Json.ToBytes(obj, out var metadataEnd, out var metadataEmpty);
        return new NewObjectBytes(bytes, metadataEnd, metadataEmpty);
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

/// <summary>A new object's stored bytes; <see cref="Served"/> makes its answer at a revision, or null when it must be serialized.</summary>
internal readonly record struct NewObjectBytes(byte[] Stored, int MetadataEnd, bool MetadataEmpty)
{
    public byte[]? Served(long revision)
    {
        if (MetadataEnd < 0) return null;
        Span<byte> digits = stackalloc byte[20];
        revision.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
        return Json.InsertIntoMetadata(Stored, MetadataEnd, MetadataEmpty, "resourceVersion"u8, digits[..n]);
    }
}
