using System.Text;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// Walks objects alongside their model schema the way structured-merge-diff does for server-side apply: the field set an
/// applied configuration names, the fields changed or removed between two versions, merging a configuration into the
/// live object and removing fields. Structs and maps are granular, lists are associative (by their keys), sets
/// (merge lists of primitives) or atomic, as the patch facts say.
/// </summary>
internal static class FieldWalker
{
    /// <summary>The set of leaves and list items an applied configuration sets (TypedValue.ToFieldSet).</summary>
    public static FieldSet SetOf(JsonObject config, ModelSchema? schema, FieldScope scope)
    {
        var set = new FieldSet();
        AddObject(config, schema, set, scope, FieldLevel.Root, false);
        return set;
    }

    /// <summary>
    /// Fields that changed or appeared (<paramref name="changed"/>) and fields that went away (<paramref name="removed"/>)
    /// from <paramref name="before"/> to <paramref name="after"/>.
    /// </summary>
    public static void Compare(JsonObject before, JsonObject after, ModelSchema? schema, FieldScope scope, out FieldSet changed, out FieldSet removed)
    {
        changed = new FieldSet();
        removed = new FieldSet();
        DiffObject(before, after, schema, changed, removed, scope, FieldLevel.Root);
    }

    /// <summary>Merges an applied configuration into <paramref name="target"/> (TypedValue.Merge with the config on the right).</summary>
    public static void Merge(JsonObject target, JsonObject config, ModelSchema? schema, FieldScope scope, FieldLevel level = FieldLevel.Root)
    {
        foreach (var (key, value) in config)
        {
            if (value is null || Ignored(scope, level, key)) continue;
            var field = schema is { IsObject: true } ? schema.Field(key) : null;
            var child = field is not null ? field.Schema : schema?.MapValues;
            target.TryGetPropertyValue(key, out var existing);
            switch (value)
            {
                case JsonObject vo when existing is JsonObject eo && child is not { Atomic: true }:
                    Merge(eo, vo, child, scope, ChildLevel(level, key));
                    break;
                case JsonArray va when existing is JsonArray ea && KindOf(field) != ListKind.Atomic:
                    MergeList(ea, va, field!, child);
                    break;
                default:
                    target[key] = WithoutNulls(value);
                    break;
            }
        }
    }

    /// <summary>
    /// Removes every member of <paramref name="paths"/> from <paramref name="obj"/>, except that a map, struct or list
    /// item with something under it in <paramref name="keep"/> stays (only its dropped parts go), as structured-merge-diff
    /// adds back what other managers own after pruning. Maps and lists emptied this way go too.
    /// </summary>
    public static void Remove(JsonObject obj, FieldSet paths, FieldSet? keep, ModelSchema? schema)
    {
        foreach (var (key, sub) in paths.Children)
        {
            if (!key.StartsWith("f:", StringComparison.Ordinal)) continue;
            var name = key[2..];
            if (!obj.TryGetPropertyValue(name, out var value)) continue;
            var kept = keep?.Find(key);
            if (sub.Member && (kept is null || kept.IsEmpty))
            {
                obj.Remove(name);
                continue;
            }
            var field = schema is { IsObject: true } ? schema.Field(name) : null;
            var child = field is not null ? field.Schema : schema?.MapValues;
            if (value is JsonObject o)
            {
                Remove(o, sub, kept, child);
                if (o.Count == 0 && kept is null or { IsEmpty: true }) obj.Remove(name);
            }
            else if (value is JsonArray a)
            {
                RemoveItems(a, sub, kept, field, child);
                if (a.Count == 0 && kept is null or { IsEmpty: true }) obj.Remove(name);
            }
        }
    }

    private static void RemoveItems(JsonArray list, FieldSet paths, FieldSet? keep, ModelField? field, ModelSchema? itemSchema)
    {
        var keys = field?.Facts?.Keys ?? [];
        for (var i = list.Count - 1; i >= 0; i--)
        {
            var id = ItemKey(list[i], KindOf(field), keys);
            if (id is null || paths.Find(id) is not { } sub) continue;
            var kept = keep?.Find(id);
            if (sub.Member && (kept is null || kept.IsEmpty)) list.RemoveAt(i);
            else if (list[i] is JsonObject o) Remove(o, sub, kept, itemSchema);
        }
    }

    private static bool Ignored(FieldScope scope, FieldLevel level, string key) =>
        (level == FieldLevel.Root && scope.IgnoresRoot(key)) || (level == FieldLevel.Metadata && scope.IgnoresMetadata(key));

    private static FieldLevel ChildLevel(FieldLevel level, string key) =>
        level == FieldLevel.Root && key == "metadata" ? FieldLevel.Metadata : FieldLevel.Nested;

    private static ListKind KindOf(ModelField? field) => field?.Facts switch
    {
        { Merge: true, MergeKey: null } => ListKind.Set,
        { Merge: true } => ListKind.Map,
        _ => ListKind.Atomic,
    };

    /// <summary>The FieldsV1 key of a list item: <c>k:{"name":"web"}</c> for associative lists, <c>v:"x"</c> for sets.</summary>
    private static string? ItemKey(JsonNode? item, ListKind kind, string[] keys)
    {
        if (kind == ListKind.Set) return "v:" + (item?.ToJsonString() ?? "null");
        if (kind != ListKind.Map || item is not JsonObject o) return null;
        var buffer = new StringBuilder("k:{");
        var any = false;
        foreach (var k in keys.Order(StringComparer.Ordinal))
        {
            if (!o.TryGetPropertyValue(k, out var v) || v is null) continue;
            if (any) buffer.Append(',');
            // Key names are Go field names (plain identifiers), so quoting needs no escaping.
            buffer.Append('"').Append(k).Append("\":").Append(v.ToJsonString(Json.SerializerOptions));
            any = true;
        }
        return any ? buffer.Append('}').ToString() : null;
    }

    private static void AddObject(JsonObject obj, ModelSchema? schema, FieldSet node, FieldScope scope, FieldLevel level, bool markContainers,
        bool appeared = false)
    {
        // Go structs are never absent, so below a struct that "appeared" fields appear on their own; below a new map or
        // list item everything is part of the new subtree.
        var childAppeared = appeared && schema is { IsObject: true };
        var any = false;
        foreach (var (key, value) in obj)
        {
            if (value is null || Ignored(scope, level, key)) continue;
            any = true;
            var field = schema is { IsObject: true } ? schema.Field(key) : null;
            var child = field is not null ? field.Schema : schema?.MapValues;
            AddValue(value, field, child, node.Child("f:" + key), scope, ChildLevel(level, key), markContainers, childAppeared);
        }
        if (!any && level == FieldLevel.Nested) node.Member = true;
    }

    private static void AddValue(JsonNode value, ModelField? field, ModelSchema? schema, FieldSet node, FieldScope scope, FieldLevel level,
        bool markContainers, bool appeared = false)
    {
        switch (value)
        {
            case JsonObject o when schema is not { Atomic: true }:
                // Update ownership marks maps that appeared as members; model structs are always "there" in Go, so never are.
                if (markContainers && schema is not { IsObject: true }) node.Member = true;
                AddObject(o, schema, node, scope, level, markContainers, appeared);
                break;
            case JsonArray a when KindOf(field) is var kind && kind != ListKind.Atomic:
                // A list that merely appeared in a struct is not owned itself (only its items are), as in kube's
                // entries; one inside a new item or map is part of that new subtree and is.
                if (markContainers && !appeared) node.Member = true;
                var keys = field!.Facts!.Keys;
                foreach (var item in a)
                {
                    var id = ItemKey(item, kind, keys);
                    if (id is null) { node.Member = true; continue; }
                    var itemNode = node.Child(id);
                    itemNode.Member = true;
                    if (kind == ListKind.Map && item is JsonObject io) AddObject(io, schema, itemNode, scope, FieldLevel.Nested, markContainers);
                }
                break;
            default:
                node.Member = true;
                break;
        }
    }

    private static void DiffObject(JsonObject before, JsonObject after, ModelSchema? schema, FieldSet changed, FieldSet removed, FieldScope scope, FieldLevel level)
    {
        foreach (var (key, b) in after)
        {
            if (Ignored(scope, level, key)) continue;
            before.TryGetPropertyValue(key, out var a);
            DiffMember(key, a, b, schema, changed, removed, scope, level);
        }
        foreach (var (key, a) in before)
        {
            if (Ignored(scope, level, key) || after.ContainsKey(key)) continue;
            DiffMember(key, a, null, schema, changed, removed, scope, level);
        }
    }

    private static void DiffMember(string key, JsonNode? a, JsonNode? b, ModelSchema? schema, FieldSet changed, FieldSet removed,
        FieldScope scope, FieldLevel level)
    {
        var field = schema is { IsObject: true } ? schema.Field(key) : null;
        var child = field is not null ? field.Schema : schema?.MapValues;
        var childLevel = ChildLevel(level, key);
        var path = "f:" + key;
        if (b is null)
        {
            if (a is not null) AddRemoved(a, field, child, removed.Child(path), scope, childLevel);
            return;
        }
        if (a is null)
        {
            AddValue(b, field, child, changed.Child(path), scope, childLevel, true, appeared: true);
            return;
        }
        // Unchanged subtrees are skipped whole: a write usually touches a few fields of a large object.
        if ((a is JsonObject || a is JsonArray) && JsonNode.DeepEquals(a, b)) return;
        switch (a, b)
        {
            case (JsonObject ao, JsonObject bo) when child is not { Atomic: true }:
                DiffObject(ao, bo, child, changed.Child(path), removed.Child(path), scope, childLevel);
                break;
            case (JsonArray aa, JsonArray ba) when KindOf(field) != ListKind.Atomic:
                DiffList(aa, ba, field!, child, changed.Child(path), removed.Child(path), scope, childLevel);
                break;
            default:
                if (!JsonNode.DeepEquals(a, b)) changed.Child(path).Member = true;
                break;
        }
    }

    private static void AddRemoved(JsonNode value, ModelField? field, ModelSchema? schema, FieldSet node, FieldScope scope, FieldLevel level)
    {
        node.Member = true;
        AddValue(value, field, schema, node, scope, level, true);
    }

    private static void DiffList(JsonArray before, JsonArray after, ModelField field, ModelSchema? itemSchema, FieldSet changed, FieldSet removed,
        FieldScope scope, FieldLevel level)
    {
        var kind = KindOf(field);
        var keys = field.Facts!.Keys;
        var old = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var item in before)
            if (ItemKey(item, kind, keys) is { } id) old.TryAdd(id, item);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in after)
        {
            if (ItemKey(item, kind, keys) is not { } id || !seen.Add(id)) continue;
            if (!old.TryGetValue(id, out var previous))
            {
                var node = changed.Child(id);
                node.Member = true;
                if (item is JsonObject io) AddObject(io, itemSchema, node, scope, FieldLevel.Nested, true);
            }
            else if (previous is JsonObject po && item is JsonObject io && !JsonNode.DeepEquals(po, io))
            {
                DiffObject(po, io, itemSchema, changed.Child(id), removed.Child(id), scope, FieldLevel.Nested);
            }
        }
        foreach (var (id, item) in old)
        {
            if (seen.Contains(id)) continue;
            var node = removed.Child(id);
            node.Member = true;
            if (item is JsonObject io) AddObject(io, itemSchema, node, scope, FieldLevel.Nested, true);
        }
    }

    /// <summary>
    /// Merges configuration items into a live associative list or set the way structured-merge-diff orders them: items
    /// only the live list has keep their places, configured items follow the configuration's order, new ones are put
    /// where the configuration has them.
    /// </summary>
    private static void MergeList(JsonArray target, JsonArray config, ModelField field, ModelSchema? itemSchema)
    {
        var kind = KindOf(field);
        var keys = field.Facts!.Keys;
        var live = target.ToList();
        var liveIds = live.Select(item => ItemKey(item, kind, keys)).ToList();
        var configIds = config.Select(item => ItemKey(item, kind, keys)).ToList();
        if (liveIds.Contains(null) || configIds.Contains(null))
        {
            // Items without their keys cannot be matched: the configuration wins as a whole, like an atomic list.
            target.Clear();
            foreach (var item in config) target.Add(WithoutNulls(item));
            return;
        }
        var liveIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < liveIds.Count; i++) liveIndex.TryAdd(liveIds[i]!, i);
        var configSet = new HashSet<string>(configIds!, StringComparer.Ordinal);
        var shared = new Queue<string>(configIds.Where(id => liveIndex.ContainsKey(id!))!);
        var nextShared = shared.Count > 0 ? shared.Dequeue() : null;

        var result = new List<JsonNode?>(live.Count + config.Count);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        int l = 0, r = 0;
        while (l < live.Count || r < config.Count)
        {
            if (l < live.Count && r < config.Count)
            {
                var lid = liveIds[l]!;
                if (lid == configIds[r])
                {
                    result.Add(MergeItem(live[l], config[r], kind, itemSchema));
                    taken.Add(lid);
                    l++; r++;
                    nextShared = shared.Count > 0 ? shared.Dequeue() : null;
                    continue;
                }
                if (configSet.Contains(lid) && nextShared is not null && nextShared != lid) { l++; continue; }
            }
            if (l < live.Count)
            {
                var lid = liveIds[l]!;
                if (!configSet.Contains(lid)) { result.Add(live[l]); l++; continue; }
                if (taken.Contains(lid)) { l++; continue; }
            }
            if (r < config.Count)
            {
                var rid = configIds[r]!;
                taken.Add(rid);
                result.Add(liveIndex.TryGetValue(rid, out var at) ? MergeItem(live[at], config[r], kind, itemSchema) : WithoutNulls(config[r]));
                r++;
                if (nextShared == rid) nextShared = shared.Count > 0 ? shared.Dequeue() : null;
            }
        }
        target.Clear();
        foreach (var item in result) target.Add(item);
    }

    private static JsonNode? MergeItem(JsonNode? live, JsonNode? config, ListKind kind, ModelSchema? itemSchema)
    {
        if (kind == ListKind.Map && live is JsonObject lo && config is JsonObject co)
        {
            Merge(lo, co, itemSchema, FieldScope.Everything, FieldLevel.Nested);
            return lo;
        }
        return live;
    }

    private static JsonNode? WithoutNulls(JsonNode? value)
    {
        switch (value)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v) in o)
                    if (v is not null) copy[k] = WithoutNulls(v);
                return copy;
            case JsonArray a:
                var list = new JsonArray();
                foreach (var v in a) list.Add(WithoutNulls(v));
                return list;
            default:
                return value?.DeepClone();
        }
    }
}
