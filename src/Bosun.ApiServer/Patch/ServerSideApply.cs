using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// <c>application/apply-patch+yaml</c> on one object, with structured-merge-diff's Apply semantics: the configuration is
/// merged into the live object, fields this manager applied before but no longer does are removed unless someone else
/// owns them, the manager's Apply entry becomes exactly what it applied, and changing a value another manager owns is a
/// conflict unless forced (then the ownership moves).
/// </summary>
internal static class ServerSideApply
{
    /// <summary>The object to create when nothing is there yet: the configuration, owned by its applier.</summary>
    public static JsonObject Create(JsonObject config, string manager, ResourceRegistration reg, DateTimeOffset now)
    {
        var obj = config.DeepClone().AsObject();
        var scope = ManagedFields.Scope(reg, null);
        if (scope.IgnoresRoot("status")) obj.Remove("status");
        var entry = new ManagedEntry
        {
            Manager = manager,
            Operation = "Apply",
            ApiVersion = reg.ApiVersion,
            Time = ObjectCodec.FormatTime(now),
            Fields = FieldWalker.SetOf(config, ModelSchema.Of(reg.ModelType), scope),
        };
        ManagedFields.Write(obj, [entry]);
        return obj;
    }

    /// <summary>Applies <paramref name="config"/> to <paramref name="live"/> (a copy the caller owns) and returns the result.</summary>
    public static JsonObject Apply(JsonObject live, JsonObject config, string manager, bool force, ResourceRegistration reg, DateTimeOffset now,
        string? subresource = null)
    {
        var schema = ModelSchema.Of(reg.ModelType);
        var scope = ManagedFields.Scope(reg, subresource);
        var entries = ManagedFields.Read(live);
        live.Obj("metadata")?.Remove("managedFields");

        var merged = live.DeepClone().AsObject();
        FieldWalker.Merge(merged, config, schema, scope);
        var applied = FieldWalker.SetOf(config, schema, scope);

        var self = entries.Find(e => e.SameIdentity(manager, "Apply", null, subresource));
        var others = entries.Where(e => !ReferenceEquals(e, self)).ToList();
        if (self is not null)
        {
            // Prune: what this manager stopped applying goes, unless another manager still owns it.
            var ownedByOthers = new FieldSet();
            foreach (var e in others) ownedByOthers.AddAll(e.Fields);
            var dropped = self.Fields.Except(applied).Except(ownedByOthers);
            if (!dropped.IsEmpty) FieldWalker.Remove(merged, dropped, ownedByOthers.Union(applied), schema);
        }

        FieldWalker.Compare(live, merged, schema, scope, out var changed, out var removed);
        var conflicts = new List<(ManagedEntry Owner, string Path)>();
        var taken = new Dictionary<ManagedEntry, FieldSet>();
        foreach (var e in others)
        {
            var clash = e.Fields.Intersect(changed);
            if (clash.IsEmpty) continue;
            taken[e] = clash;
            foreach (var path in clash.MemberPaths()) conflicts.Add((e, path));
        }
        if (conflicts.Count > 0 && !force)
        {
            // kube's lastAppliedManager: "kubectl" may take over, without conflict, the fields a client-side apply set
            // and that still hold the last-applied values (the CSA→SSA upgrade); only other conflicts are reported.
            var allowed = manager == "kubectl" ? AllowedByLastApplied(live, schema, scope) : null;
            if (allowed is null) throw Conflict(conflicts);
            var remaining = taken.SelectMany(t => t.Value.Except(allowed).MemberPaths().Select(path => (t.Key, path))).ToList();
            if (remaining.Count > 0) throw Conflict(remaining);
        }

        foreach (var (e, clash) in taken) e.Fields = e.Fields.Except(clash);
        foreach (var e in entries)
            if (e.Owns(removed)) e.Fields = e.Fields.Except(removed);
        if (self is null) entries.Add(self = new ManagedEntry { Manager = manager, Operation = "Apply", Subresource = subresource });
        self.Fields = applied;
        self.ApiVersion = reg.ApiVersion;
        // kube stamps the applier's time only when the object changed (or the entry is new).
        if (self.Time is null || !changed.IsEmpty || !removed.IsEmpty) self.Time = ObjectCodec.FormatTime(now);
        ManagedFields.Write(merged, entries);
        return merged;
    }

    /// <summary>
    /// The fields of the <c>kubectl.kubernetes.io/last-applied-configuration</c> annotation whose live values are still
    /// the applied ones; null when the object has no (readable) annotation.
    /// </summary>
    private static FieldSet? AllowedByLastApplied(JsonObject live, ModelSchema? schema, FieldScope scope)
    {
        if (live.Obj("metadata")?.Obj("annotations")?["kubectl.kubernetes.io/last-applied-configuration"]?.GetValue<string>() is not { } text)
            return null;
        JsonObject? lastApplied;
        try { lastApplied = JsonNode.Parse(text) as JsonObject; }
        catch (System.Text.Json.JsonException) { return null; }
        if (lastApplied is null) return null;
        FieldWalker.Compare(lastApplied, live, schema, scope, out var changed, out var removed);
        return FieldWalker.SetOf(lastApplied, schema, scope).Except(changed).Except(removed);
    }

    /// <summary>The 409 kube-apiserver answers (NewApplyConflict): one cause per conflicting field.</summary>
    private static ApiException Conflict(List<(ManagedEntry Owner, string Path)> conflicts)
    {
        string message;
        if (conflicts.Count == 1)
        {
            message = $"Apply failed with 1 conflict: conflict with {conflicts[0].Owner.Display}: {conflicts[0].Path}";
        }
        else
        {
            var lines = new List<string>();
            foreach (var group in conflicts.GroupBy(c => c.Owner.Display).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                lines.Add($"conflicts with {group.Key}:");
                lines.AddRange(group.Select(c => $"- {c.Path}"));
            }
            message = $"Apply failed with {conflicts.Count} conflicts: {string.Join("\n", lines)}";
        }
        return new ApiException(409, "Conflict", message)
        {
            Causes = conflicts.Select(c => new StatusCause("FieldManagerConflict", $"conflict with {c.Owner.Display}", c.Path)).ToList(),
        };
    }
}
