using System.Text.Json.Nodes;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// Reads and writes <c>metadata.managedFields</c>, and records the <c>Update</c> ownership of every non-apply write
/// (kube's fieldmanager Update path): the writer takes the fields it changed, everyone loses the fields that went away.
/// Managed fields a request sets explicitly are the starting point instead of the live ones, which is how kubectl's
/// client-side-to-server-side apply migration rewrites them with a JSON patch.
/// </summary>
internal static class ManagedFields
{
    public static List<ManagedEntry> Read(JsonObject obj)
    {
        var result = new List<ManagedEntry>();
        if (obj.Obj("metadata").Arr("managedFields") is not { } list) return result;
        foreach (var node in list)
        {
            if (node is not JsonObject e || e.Str("manager") is not { } manager) continue;
            result.Add(new ManagedEntry
            {
                Manager = manager,
                Operation = e.Str("operation") ?? "Update",
                Subresource = e.Str("subresource"),
                Source = e,
            }.Loaded(e.Str("apiVersion"), e.Str("time")));
        }
        return result;
    }

    /// <summary>Writes the entries sorted as kube sorts them (operation, time, manager, API version, subresource); none → removed.</summary>
    public static void Write(JsonObject obj, List<ManagedEntry> entries)
    {
        var meta = obj.Ensure("metadata");
        entries.RemoveAll(e => (e.Dirty || e.Source is null) && e.Fields.IsEmpty);
        CapUpdaters(entries);
        if (entries.Count == 0)
        {
            meta.Remove("managedFields");
            return;
        }
        // One entry (every create, most objects) needs no sort; the sort's keys parse each entry's time.
        IEnumerable<ManagedEntry> sorted = entries.Count == 1 ? entries : entries
            .OrderBy(e => e.Operation, StringComparer.Ordinal)
            .ThenBy(e => Seconds(e.Time))
            .ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion, StringComparer.Ordinal)
            .ThenBy(e => e.Subresource, StringComparer.Ordinal);
        var list = new JsonArray();
        foreach (var e in sorted)
        {
            if (!e.Dirty && e.Source is not null)
            {
                list.Add(e.Source.DeepClone());
                continue;
            }
            var entry = new JsonObject { ["manager"] = e.Manager, ["operation"] = e.Operation };
            if (e.ApiVersion is not null) entry["apiVersion"] = e.ApiVersion;
            if (e.Time is not null) entry["time"] = e.Time;
            entry["fieldsType"] = "FieldsV1";
            entry["fieldsV1"] = e.Fields.ToJson();
            if (!string.IsNullOrEmpty(e.Subresource)) entry["subresource"] = e.Subresource;
            list.Add(entry);
        }
        meta["managedFields"] = list;
    }

    /// <summary>Most Update entries an object keeps; older ones are folded into "ancient-changes" (kube's capManagers).</summary>
    public const int MaxUpdaters = 10;

    /// <summary>
    /// Folds the oldest updaters, per API version, into an <c>ancient-changes</c> entry until at most
    /// <see cref="MaxUpdaters"/> Update entries are left, so objects written by many clients keep a bounded list.
    /// </summary>
    private static void CapUpdaters(List<ManagedEntry> entries)
    {
        var updaters = entries.Where(e => !e.IsApply).ToList();
        if (updaters.Count <= MaxUpdaters) return;
        updaters = updaters.OrderBy(e => Seconds(e.Time)).ToList();
        var firstOfVersion = new Dictionary<string, ManagedEntry>(StringComparer.Ordinal);
        var count = updaters.Count;
        foreach (var e in updaters)
        {
            if (count <= MaxUpdaters) break;
            var version = e.ApiVersion ?? "";
            if (!firstOfVersion.TryGetValue(version, out var first))
            {
                firstOfVersion[version] = e;
                continue;
            }
            var bucket = entries.Find(b => b.Manager == AncientChanges && !b.IsApply && b.ApiVersion == e.ApiVersion && b.Subresource is null);
            if (bucket is null)
            {
                entries.Remove(first);
                entries.Add(bucket = new ManagedEntry { Manager = AncientChanges, Operation = "Update", Fields = first.Fields.Clone() });
                bucket.ApiVersion = e.ApiVersion;
            }
            bucket.Fields = bucket.Fields.Union(e.Fields);
            bucket.Time = e.Time;
            entries.Remove(e);
            count--;
        }
    }

    private const string AncientChanges = "ancient-changes";

    private static long Seconds(string? time) =>
        time is not null && DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? t.ToUnixTimeSeconds() : 0;

    /// <summary>
    /// Records an Update by <paramref name="manager"/> turning <paramref name="live"/> (empty for a create) into
    /// <paramref name="updated"/>, whose managedFields are rewritten.
    /// </summary>
    public static void RecordUpdate(JsonObject live, JsonObject updated, string manager, ResourceRegistration reg, string? subresource, DateTimeOffset now)
    {
        var entries = Read(updated);
        // [{}] is kube's documented way to strip managedFields; any other empty or missing list keeps the live ones,
        // so clients that do not know about managedFields cannot drop them by accident.
        var strip = updated.Obj("metadata").Arr("managedFields") is { Count: 1 } only && only[0] is JsonObject { Count: 0 };
        var fromLive = entries.Count == 0 && !strip;
        if (fromLive) entries = Read(live);
        var scope = Scope(reg, subresource);
        FieldWalker.Compare(live, updated, ModelSchema.Of(reg.ModelType), scope, out var changed, out var removed);
        if (changed.IsEmpty && removed.IsEmpty && !strip)
        {
            // Nothing changed hands: keep the entries exactly as they were (a no-op write stays a no-op).
            if (fromLive)
            {
                if (live.Obj("metadata")?["managedFields"] is { } kept) updated.Ensure("metadata")["managedFields"] = kept.DeepClone();
                else updated.Obj("metadata")?.Remove("managedFields");
            }
            return;
        }

        foreach (var e in entries)
        {
            if (!e.SameIdentity(manager, "Update", reg.ApiVersion, subresource) && e.Owns(changed)) e.Fields = e.Fields.Except(changed);
            if (e.Owns(removed)) e.Fields = e.Fields.Except(removed);
        }
        if (!changed.IsEmpty)
        {
            var self = entries.Find(e => e.SameIdentity(manager, "Update", reg.ApiVersion, subresource));
            if (self is null)
                entries.Add(self = new ManagedEntry { Manager = manager, Operation = "Update", ApiVersion = reg.ApiVersion, Subresource = subresource });
            // A new entry (every create) takes the changed set as it is instead of a copy of it.
            self.Fields = self.Fields.IsEmpty ? changed : self.Fields.Union(changed);
            self.Time = ObjectCodec.FormatTime(now);
        }
        Write(updated, entries);
    }

    /// <summary>What ownership ignores at this endpoint: status on a main resource with a status subresource, the rest on /status.</summary>
    public static FieldScope Scope(ResourceRegistration reg, string? subresource) =>
        new(resetStatus: reg.HasStatus && subresource is null, statusOnly: subresource == "status");

    /// <summary>The default manager name kube derives from a user agent: its part before the first '/'.</summary>
    public static string? FromUserAgent(string? userAgent)
    {
        if (string.IsNullOrEmpty(userAgent)) return null;
        var slash = userAgent.IndexOf('/');
        var name = slash < 0 ? userAgent : userAgent[..slash];
        return name.Length > 128 ? name[..128] : name;
    }
}
