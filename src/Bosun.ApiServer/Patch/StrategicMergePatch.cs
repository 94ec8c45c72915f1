using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// <c>application/strategic-merge-patch+json</c>, as apimachinery's strategicpatch.StrategicMergeMapPatch applies it on
/// the server: maps merge, <c>null</c> deletes, lists merge by key or as sets where the model says so and are replaced
/// otherwise, and the directives <c>$patch</c>, <c>$retainKeys</c>, <c>$setElementOrder/</c> and
/// <c>$deleteFromPrimitiveList/</c> are honoured and never stored. Where the model is unknown it behaves like JSON merge patch.
/// </summary>
internal static class StrategicMergePatch
{
    private const string Directive = "$patch";
    private const string RetainKeysDirective = "$retainKeys";
    private const string SetOrderPrefix = "$setElementOrder/";
    private const string DeletePrimitivesPrefix = "$deleteFromPrimitiveList/";

    /// <summary>
    /// Applies <paramref name="patch"/> to <paramref name="original"/> and returns the result. <paramref name="original"/>
    /// is modified in place (callers hand over a copy: the store always does), which saves cloning whole objects;
    /// <paramref name="patch"/> is only read.
    /// </summary>
    public static JsonObject Apply(JsonObject original, JsonObject patch, Type modelType) =>
        MergeObject(original, patch, ModelSchema.Of(modelType));

    private static JsonObject MergeObject(JsonObject? original, JsonObject patch, ModelSchema? schema)
    {
        if (patch.TryGetPropertyValue(Directive, out var directive))
        {
            switch (DirectiveName(directive))
            {
                case "replace": return MergeObject(null, WithoutDirective(patch), schema);
                case "delete": return new JsonObject();
                case "merge": break;
                default: throw BadPatchType(directive, patch);
            }
        }
        original ??= new JsonObject();
        if (patch.TryGetPropertyValue(RetainKeysDirective, out var retain)) RetainKeys(original, patch, retain);

        // Ordered lists first: each $setElementOrder merges its list and fixes the order in one go (mergePatchIntoOriginal).
        HashSet<string>? ordered = null;
        foreach (var (key, value) in patch)
        {
            if (!key.StartsWith(SetOrderPrefix, StringComparison.Ordinal)) continue;
            var listKey = key[SetOrderPrefix.Length..];
            MergeOrderedList(original, patch, listKey, value, schema);
            (ordered ??= new(StringComparer.Ordinal)).Add(listKey);
        }

        foreach (var (key, value) in patch)
        {
            if (key.StartsWith('$'))
            {
                if (key.StartsWith(DeletePrimitivesPrefix, StringComparison.Ordinal))
                {
                    DeletePrimitives(original, key[DeletePrimitivesPrefix.Length..], value);
                    continue;
                }
                if (key is Directive or RetainKeysDirective || key.StartsWith(SetOrderPrefix, StringComparison.Ordinal)) continue;
            }
            if (ordered is not null && ordered.Contains(key)) continue;
            if (value is null)
            {
                original.Remove(key);
                continue;
            }
            original.TryGetPropertyValue(key, out var existing);
            var merged = MergeValue(existing, value, schema, key);
            if (!ReferenceEquals(merged, existing)) original[key] = merged;
        }
        return original;
    }

    private static JsonNode MergeValue(JsonNode? existing, JsonNode patchValue, ModelSchema? parent, string key)
    {
        var field = parent is { IsObject: true } ? parent.Field(key) : null;
        var schema = field is not null ? field.Schema : parent?.MapValues;
        return patchValue switch
        {
            // A type change (list → map, scalar → map) replaces: merging into nothing only strips directives and nulls.
            JsonObject po => MergeObject(existing as JsonObject, po, schema),
            JsonArray pa when existing is JsonArray ea && field is { IsMergeList: true } => MergeList(ea, pa, field, schema),
            JsonArray pa => Fresh(pa, field, schema),
            _ => patchValue.DeepClone(),
        };
    }

    /// <summary>A patch list with no live counterpart: copied without its directives, as merging it into nothing gives.</summary>
    private static JsonArray Fresh(JsonArray patch, ModelField? field, ModelSchema? itemSchema)
    {
        if (field is { IsMergeList: true }) return MergeList([], patch, field, itemSchema);
        var copy = new JsonArray();
        foreach (var item in patch)
            copy.Add(item is JsonObject o ? MergeObject(null, o, itemSchema) : item?.DeepClone());
        return copy;
    }

    /// <summary>mergeSlice: merge by key (maps) or as a set (primitives), then order patch items as the patch does.</summary>
    private static JsonArray MergeList(JsonArray original, JsonArray patch, ModelField field, ModelSchema? itemSchema)
    {
        if (original.Count == 0 && patch.Count == 0) return original;
        var maps = ElementsAreMaps(original, patch);
        if (!maps)
        {
            var serverOrder = original.ToList();
            foreach (var item in patch)
                if (IndexOf(original, item) < 0) original.Add(item?.DeepClone());
            return Reorder(original, patch.ToList(), serverOrder, null);
        }

        var mergeKey = field.Facts?.MergeKey ?? throw ApiException.BadRequest("cannot merge lists without merge key for type map");
        var plain = new List<JsonNode?>(patch.Count);
        var replace = false;
        foreach (var node in patch)
        {
            var item = (JsonObject)node!;
            if (!item.TryGetPropertyValue(Directive, out var directive))
            {
                plain.Add(item);
                continue;
            }
            switch (DirectiveName(directive))
            {
                case "delete":
                    var keyValue = KeyOf(item, mergeKey);
                    for (var i = original.Count - 1; i >= 0; i--)
                        if (original[i] is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && SameValue(k, keyValue)) original.RemoveAt(i);
                    break;
                case "replace": replace = true; break;
                case "merge": throw ApiException.BadRequest("merging lists cannot yet be specified in the patch");
                default: throw BadPatchType(directive, item);
            }
        }
        if (replace)
        {
            var replaced = new JsonArray();
            foreach (var item in plain) replaced.Add(MergeObject(null, (JsonObject)item!, itemSchema));
            return replaced;
        }

        var serverKeys = new List<JsonNode?>(original.Count);
        foreach (var item in original) serverKeys.Add(item is JsonObject o ? o[mergeKey] : null);
        foreach (var node in plain)
        {
            var item = (JsonObject)node!;
            var keyValue = KeyOf(item, mergeKey);
            var at = FindByKey(original, mergeKey, keyValue);
            if (at < 0)
            {
                original.Add(MergeObject(null, item, itemSchema));
                continue;
            }
            var existing = original[at] as JsonObject;
            var merged = MergeObject(existing, item, itemSchema);
            if (!ReferenceEquals(merged, existing)) original[at] = merged;
        }
        return Reorder(original, KeysOf(plain, mergeKey), serverKeys, mergeKey);
    }

    /// <summary>
    /// normalizeElementOrder: items named in <paramref name="order"/> take that order; the others keep their live order
    /// and are interleaved by their live positions (mergeSortedSlice). Items are compared by merge key, or by value.
    /// </summary>
    private static JsonArray Reorder(JsonArray merged, List<JsonNode?> order, List<JsonNode?> serverOrder, string? mergeKey)
    {
        var inPatch = new List<(int Rank, JsonNode? Item)>();
        var serverOnly = new List<(int Rank, JsonNode? Item)>();
        foreach (var item in merged)
        {
            var id = mergeKey is null ? item : ((JsonObject)item!)[mergeKey];
            var rank = IndexOfValue(order, id);
            if (rank >= 0) inPatch.Add((rank, item));
            else serverOnly.Add((IndexOfValue(serverOrder, id), item));
        }
        if (serverOnly.Count == 0 && IsSorted(inPatch)) return merged;
        StableSort(inPatch);
        StableSort(serverOnly);

        var result = new List<JsonNode?>(merged.Count);
        int i = 0, j = 0;
        while (i < serverOnly.Count || j < inPatch.Count)
        {
            if (j >= inPatch.Count) { result.Add(serverOnly[i++].Item); continue; }
            if (i >= serverOnly.Count) { result.Add(inPatch[j++].Item); continue; }
            // A live-only item goes first only when both it and the patch item are live and it came first there.
            var left = serverOnly[i].Rank;
            var right = IndexOfValue(serverOrder, mergeKey is null ? inPatch[j].Item : ((JsonObject)inPatch[j].Item!)[mergeKey]);
            if (left >= 0 && right >= 0 && left < right) result.Add(serverOnly[i++].Item);
            else result.Add(inPatch[j++].Item);
        }
        merged.Clear();
        foreach (var item in result) merged.Add(item);
        return merged;
    }

    private static void MergeOrderedList(JsonObject original, JsonObject patch, string listKey, JsonNode? orderNode, ModelSchema? schema)
    {
        if (orderNode is not JsonArray order) throw ApiException.BadRequest("invalid patch format of setElementOrder list");
        var field = schema is { IsObject: true } ? schema.Field(listKey) : null;
        var mergeKey = field?.Facts?.MergeKey;
        original.TryGetPropertyValue(listKey, out var liveNode);
        patch.TryGetPropertyValue(listKey, out var patchNode);
        if (liveNode is not (null or JsonArray) || patchNode is not (null or JsonArray))
            throw ApiException.BadRequest($"expected a []interface {{}}, but received a map for {listKey}");
        var live = liveNode as JsonArray;
        var patchList = patchNode as JsonArray;
        if (patchList is not null) ValidateOrder(patchList, order, mergeKey);
        if (live is null && patchList is null) return;

        var serverOrder = live is null ? [] : KeysOf(live, mergeKey);
        JsonArray merged;
        if (patchList is null) merged = live!;
        else if (live is null) merged = Fresh(patchList, field, field?.Schema);
        else if (field is { IsMergeList: true }) merged = MergeList(live, patchList, field, field.Schema);
        else merged = Fresh(patchList, field, field?.Schema);

        var result = Reorder(merged, KeysOf(order, mergeKey), serverOrder, mergeKey);
        if (!ReferenceEquals(result, liveNode)) original[listKey] = result;
    }

    /// <summary>validatePatchWithSetOrderList: patch items (deletions aside) must appear in the order list, in its order.</summary>
    private static void ValidateOrder(JsonArray patchList, JsonArray order, string? mergeKey)
    {
        if (patchList.Count == 0 || order.Count == 0) return;
        int p = 0, o = 0;
        while (p < patchList.Count && o < order.Count)
        {
            var item = patchList[p];
            if (item is JsonObject obj && obj.ContainsKey(Directive)) { p++; continue; }
            var same = mergeKey is null
                ? SameValue(item, order[o])
                : SameValue(KeyOf(AsMap(item), mergeKey), KeyOf(AsMap(order[o]), mergeKey));
            if (same) p++;
            o++;
        }
        while (p < patchList.Count && patchList[p] is JsonObject d && d.ContainsKey(Directive)) p++;
        if (p < patchList.Count)
            throw ApiException.BadRequest($"The order in patch list:\n{patchList.ToJsonString()}\n doesn't match $setElementOrder list:\n{order.ToJsonString()}\n");
    }

    private static void RetainKeys(JsonObject original, JsonObject patch, JsonNode? retain)
    {
        if (retain is not JsonArray list) throw ApiException.BadRequest("invalid patch format of retainKeys");
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var k in list)
            if (k is JsonValue v && v.TryGetValue<string>(out var s)) keep.Add(s);
        foreach (var (key, value) in patch)
        {
            if (value is null || key.StartsWith('$')) continue;
            if (!keep.Contains(key)) throw ApiException.BadRequest("invalid patch format of retainKeys");
        }
        // The union's other members are cleared: that is what switching a strategy to Recreate relies on.
        List<string>? drop = null;
        foreach (var (key, _) in original)
            if (!keep.Contains(key)) (drop ??= []).Add(key);
        if (drop is not null) foreach (var key in drop) original.Remove(key);
    }

    private static void DeletePrimitives(JsonObject original, string listKey, JsonNode? value)
    {
        if (value is not JsonArray remove) throw ApiException.BadRequest("invalid patch format of primitive list");
        if (original[listKey] is not JsonArray live) return;
        for (var i = live.Count - 1; i >= 0; i--)
            if (IndexOf(remove, live[i]) >= 0) live.RemoveAt(i);
    }

    private static bool ElementsAreMaps(JsonArray original, JsonArray patch)
    {
        JsonValueKind? seen = null;
        foreach (var list in (JsonArray[])[original, patch])
        {
            foreach (var item in list)
            {
                var kind = item?.GetValueKind() ?? JsonValueKind.Null;
                if (kind is JsonValueKind.True) kind = JsonValueKind.False;
                if (kind == JsonValueKind.Array)
                    throw new ApiException(422, "Invalid", "lists of lists are not supported");
                if (seen is { } s && s != kind)
                    throw ApiException.BadRequest($"list element types are not identical: {original.ToJsonString()} {patch.ToJsonString()}");
                seen = kind;
            }
        }
        return seen == JsonValueKind.Object;
    }

    private static JsonObject AsMap(JsonNode? node) => node as JsonObject
        ?? throw ApiException.BadRequest($"expected a map, but received a {node?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}");

    private static JsonNode? KeyOf(JsonObject item, string mergeKey) =>
        item.TryGetPropertyValue(mergeKey, out var v)
            ? v
            : throw ApiException.BadRequest($"map: {item.ToJsonString()} does not contain declared merge key: {mergeKey}");

    private static List<JsonNode?> KeysOf(IEnumerable<JsonNode?> items, string? mergeKey)
    {
        var keys = new List<JsonNode?>();
        foreach (var item in items) keys.Add(mergeKey is null ? item : KeyOf(AsMap(item), mergeKey));
        return keys;
    }

    private static int FindByKey(JsonArray list, string mergeKey, JsonNode? keyValue)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] is JsonObject o && o.TryGetPropertyValue(mergeKey, out var k) && SameValue(k, keyValue)) return i;
        return -1;
    }

    private static int IndexOf(JsonArray list, JsonNode? value)
    {
        for (var i = 0; i < list.Count; i++)
            if (SameValue(list[i], value)) return i;
        return -1;
    }

    private static int IndexOfValue(List<JsonNode?> list, JsonNode? value)
    {
        for (var i = 0; i < list.Count; i++)
            if (SameValue(list[i], value)) return i;
        return -1;
    }

    /// <summary>Value equality with a fast path for the usual string keys (names) before the general deep compare.</summary>
    internal static bool SameValue(JsonNode? a, JsonNode? b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is JsonValue va && b is JsonValue vb && va.TryGetValue<string>(out var sa))
            return vb.TryGetValue<string>(out var sb) && sa == sb;
        return JsonNode.DeepEquals(a, b);
    }

    private static bool IsSorted(List<(int Rank, JsonNode? Item)> items)
    {
        for (var i = 1; i < items.Count; i++)
            if (items[i - 1].Rank > items[i].Rank) return false;
        return true;
    }

    private static void StableSort(List<(int Rank, JsonNode? Item)> items)
    {
        // Insertion sort: lists are short and it is stable, as Go's sort.SliceStable is.
        for (var i = 1; i < items.Count; i++)
        {
            var x = items[i];
            var key = x.Rank < 0 ? int.MaxValue : x.Rank;
            var j = i - 1;
            while (j >= 0 && (items[j].Rank < 0 ? int.MaxValue : items[j].Rank) > key)
            {
                items[j + 1] = items[j];
                j--;
            }
            items[j + 1] = x;
        }
    }

    private static JsonObject WithoutDirective(JsonObject patch)
    {
        var copy = new JsonObject();
        foreach (var (k, v) in patch)
            if (k != Directive) copy[k] = v?.DeepClone();
        return copy;
    }

    private static string? DirectiveName(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static ApiException BadPatchType(JsonNode? directive, JsonObject map) =>
        ApiException.BadRequest($"unknown patch type: {directive?.ToJsonString() ?? "null"} in map: {map.ToJsonString()}");
}
