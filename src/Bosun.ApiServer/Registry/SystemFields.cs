using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry;

/// <summary>The metadata fields only the server sets: uid, creationTimestamp, generation, the name from generateName.</summary>
internal static class SystemFields
{
    // The alphabet of apimachinery's rand.String: no vowels, no confusable characters.
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    // apiserver's SimpleNameGenerator keeps generated names within a DNS label: a base of at most 63 - 5 characters.
    private const int MaxGeneratedBase = 58;

    public static void FillOnCreate(JsonObject obj, ResourceRegistration reg, string? ns, DateTimeOffset now)
    {
        var meta = obj.Ensure("metadata");
        if (string.IsNullOrEmpty(meta.Str("name")) && meta.Str("generateName") is { Length: > 0 } prefix)
            meta["name"] = (prefix.Length > MaxGeneratedBase ? prefix[..MaxGeneratedBase] : prefix) + RandomSuffix(5);
        if (reg.Namespaced) meta["namespace"] = ns;
        else meta.Remove("namespace");
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = ObjectCodec.FormatTime(now);
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("selfLink");
        if (reg.TracksGeneration) meta["generation"] = 1;
        else meta.Remove("generation");
    }

    /// <summary>Keeps what an update may never change, whatever the client sent.</summary>
    public static void KeepOnUpdate(JsonObject obj, JsonObject old)
    {
        var meta = obj.Ensure("metadata");
        var oldMeta = old.Obj("metadata")!;
        foreach (var field in (string[])["uid", "creationTimestamp", "namespace", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"])
        {
            if (oldMeta[field] is { } v) meta[field] = v.DeepClone();
            else meta.Remove(field);
        }
        meta.Remove("selfLink");
    }

    public static string RandomSuffix(int length)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(chars);
    }
}
