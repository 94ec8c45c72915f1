using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// A set of field paths as server-side apply tracks ownership, stored as a tree in the FieldsV1 shape: children keyed
/// <c>f:&lt;field&gt;</c>, <c>k:&lt;item key JSON&gt;</c> or <c>v:&lt;value JSON&gt;</c>; <see cref="Member"/> is the
/// <c>"."</c> entry, meaning the path itself belongs to the set (not only paths below it).
/// </summary>
internal sealed class FieldSet
{
    private Dictionary<string, FieldSet>? children;

    public bool Member { get; set; }

    public IEnumerable<KeyValuePair<string, FieldSet>> Children =>
        children ?? Enumerable.Empty<KeyValuePair<string, FieldSet>>();

    public bool IsEmpty => !Member && (children is null || children.Values.All(c => c.IsEmpty));

    /// <summary>The child at <paramref name="key"/>, created when absent.</summary>
    public FieldSet Child(string key)
    {
        children ??= new(StringComparer.Ordinal);
        if (!children.TryGetValue(key, out var child)) children[key] = child = new FieldSet();
        return child;
    }

    public FieldSet? Find(string key) => children is not null && children.TryGetValue(key, out var c) ? c : null;

    /// <summary>Whether the path (FieldsV1 keys from the root) is a member.</summary>
    public bool Contains(params string[] path)
    {
        FieldSet? node = this;
        foreach (var key in path)
        {
            node = node.Find(key);
            if (node is null) return false;
        }
        return node.Member;
    }

    public FieldSet Union(FieldSet other)
    {
        var result = Clone();
        result.AddAll(other);
        return result;
    }

    /// <summary>Paths of this set that are not members of <paramref name="other"/> (path-wise, as fieldpath.Set.Difference).</summary>
    public FieldSet Except(FieldSet other)
    {
        var result = new FieldSet { Member = Member && !other.Member };
        foreach (var (key, child) in Children)
        {
            var sub = other.Find(key) is { } o ? child.Except(o) : child.Clone();
            if (!sub.IsEmpty) result.Child(key).AddAll(sub);
        }
        return result;
    }

    public FieldSet Intersect(FieldSet other)
    {
        var result = new FieldSet { Member = Member && other.Member };
        foreach (var (key, child) in Children)
        {
            if (other.Find(key) is not { } o) continue;
            var sub = child.Intersect(o);
            if (!sub.IsEmpty) result.Child(key).AddAll(sub);
        }
        return result;
    }

    public void AddAll(FieldSet other)
    {
        Member |= other.Member;
        foreach (var (key, child) in other.Children) Child(key).AddAll(child);
    }

    public FieldSet Clone()
    {
        var copy = new FieldSet { Member = Member };
        foreach (var (key, child) in Children) copy.Child(key).AddAll(child);
        return copy;
    }

    /// <summary>Every member path, in FieldsV1 order, as the dotted form conflict messages use (<c>.spec.replicas</c>).</summary>
    public List<string> MemberPaths()
    {
        var result = new List<string>();
        Collect(new StringBuilder(), result);
        return result;
    }

    private void Collect(StringBuilder prefix, List<string> into)
    {
        if (Member && prefix.Length > 0) into.Add(prefix.ToString());
        foreach (var (key, child) in Ordered())
        {
            var length = prefix.Length;
            prefix.Append(PathText(key));
            child.Collect(prefix, into);
            prefix.Length = length;
        }
    }

    /// <summary>sigs.k8s.io/structured-merge-diff path element text: <c>.name</c>, <c>[name="web"]</c>, <c>[=value]</c>.</summary>
    private static string PathText(string key)
    {
        if (key.StartsWith("f:", StringComparison.Ordinal)) return "." + key[2..];
        if (key.StartsWith("v:", StringComparison.Ordinal)) return "[=" + key[2..] + "]";
        if (!key.StartsWith("k:", StringComparison.Ordinal)) return key;
        try
        {
            var obj = JsonNode.Parse(key[2..])!.AsObject();
            return "[" + string.Join(",", obj.Select(p => $"{p.Key}={p.Value?.ToJsonString() ?? "null"}")) + "]";
        }
        catch (JsonException)
        {
            return "[" + key[2..] + "]";
        }
    }

    /// <summary>"." first, then fields, keys and values, each sorted (structured-merge-diff's serialization order).</summary>
    private List<KeyValuePair<string, FieldSet>> Ordered()
    {
        // Every write serializes its managedFields entry from here: a list and one sort, not a LINQ pipeline per node.
        var list = new List<KeyValuePair<string, FieldSet>>(children?.Count ?? 0);
        if (children is null) return list;
        foreach (var child in children)
            if (!child.Value.IsEmpty) list.Add(child);
        if (list.Count > 1) list.Sort(static (a, b) => Rank(a.Key) != Rank(b.Key) ? Rank(a.Key) - Rank(b.Key) : string.CompareOrdinal(a.Key, b.Key));
        return list;
    }

    private static int Rank(string key) => key.StartsWith("f:", StringComparison.Ordinal) ? 0 : key.StartsWith("k:", StringComparison.Ordinal) ? 1 : 2;

    public JsonObject ToJson()
    {
        var obj = new JsonObject();
        if (Member && children is not null && !children.Values.All(c => c.IsEmpty)) obj["."] = new JsonObject();
        foreach (var (key, child) in Ordered()) obj[key] = child.ToJson();
        return obj;
    }

    /// <summary>Whether FieldsV1 JSON has any member of <paramref name="paths"/>, without building a set from it.</summary>
    public static bool Owns(JsonObject? json, FieldSet paths)
    {
        if (json is null) return false;
        foreach (var (key, sub) in paths.Children)
        {
            if (json[key] is not JsonObject child) continue;
            if (sub.Member && (child.Count == 0 || child.ContainsKey("."))) return true;
            if (Owns(child, sub)) return true;
        }
        return false;
    }

    /// <summary>Reads FieldsV1 JSON; a key with an empty object is a leaf member, <c>"."</c> marks a member with children.</summary>
    public static FieldSet FromJson(JsonObject? json)
    {
        var set = new FieldSet();
        if (json is null) return set;
        foreach (var (key, value) in json)
        {
            if (key == ".") { set.Member = true; continue; }
            var child = FromJson(value as JsonObject);
            if (value is JsonObject { Count: 0 }) child.Member = true;
            set.Child(key).AddAll(child);
            if (child.Member) set.Child(key).Member = true;
        }
        return set;
    }
}
