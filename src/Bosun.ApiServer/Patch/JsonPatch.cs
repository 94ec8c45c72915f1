using System.Globalization;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// RFC 6902 JSON patch (add, remove, replace, move, copy, test) on a copy of the document, so a failing operation
/// leaves nothing half-applied.
/// </summary>
internal static class JsonPatch
{
    public static JsonNode Apply(JsonNode document, JsonNode patch)
    {
        if (patch is not JsonArray ops) throw ApiException.BadRequest("json patch must be an array of operations");
        var doc = document.DeepClone();
        foreach (var opNode in ops)
        {
            if (opNode is not JsonObject op) throw ApiException.BadRequest("json patch operations must be objects");
            var name = op.Str("op") ?? throw Bad("missing op");
            var path = op.Str("path") ?? throw Bad($"missing path for {name} operation");
            switch (name)
            {
                case "add": doc = Add(doc, path, Value(op, name)); break;
                case "remove": doc = Remove(doc, path, out _); break;
                case "replace": doc = Remove(doc, path, out _); doc = Add(doc, path, Value(op, name)); break;
                case "move":
                    var from = op.Str("from") ?? throw Bad("missing from for move operation");
                    doc = Remove(doc, from, out var moved);
                    doc = Add(doc, path, moved);
                    break;
                case "copy":
                    var source = op.Str("from") ?? throw Bad("missing from for copy operation");
                    doc = Add(doc, path, Get(doc, source)?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(doc, path), op["value"])) throw Bad($"testing value {path} failed");
                    break;
                default: throw Bad($"unexpected operation \"{name}\"");
            }
        }
        return doc;
    }

    private static JsonNode? Value(JsonObject op, string name) =>
        op.TryGetPropertyValue("value", out var v) ? v?.DeepClone() : throw Bad($"missing value for {name} operation");

    private static string[] Tokens(string path)
    {
        if (path.Length == 0) return [];
        if (path[0] != '/') throw Bad($"invalid path \"{path}\"");
        return path[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToArray();
    }

    private static JsonNode? Get(JsonNode doc, string path) => Get(doc, Tokens(path), path);

    private static JsonNode? Get(JsonNode doc, IEnumerable<string> tokens, string path)
    {
        JsonNode? node = doc;
        foreach (var t in tokens)
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(t, out var child) => child,
                JsonArray a when Index(t, a.Count, false) is var i => a[i],
                _ => throw Bad($"path \"{path}\" does not exist"),
            };
        }
        return node;
    }

    private static JsonNode Add(JsonNode doc, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0) return value ?? throw Bad("cannot replace the whole document with null");
        var parent = Get(doc, tokens[..^1], path);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a: a.Insert(last == "-" ? a.Count : Index(last, a.Count, true), value); break;
            default: throw Bad($"path \"{path}\" has no container to add to");
        }
        return doc;
    }

    private static JsonNode Remove(JsonNode doc, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        if (tokens.Length == 0) throw Bad("cannot remove the whole document");
        var parent = Get(doc, tokens[..^1], path);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out removed):
                o.Remove(last);
                removed = removed?.DeepClone();
                return doc;
            case JsonArray a:
                var i = Index(last, a.Count, false);
                removed = a[i]?.DeepClone();
                a.RemoveAt(i);
                return doc;
            default: throw Bad($"path \"{path}\" does not exist");
        }
    }

    private static int Index(string token, int count, bool allowEnd)
    {
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) || i > count || (!allowEnd && i == count))
            throw Bad($"array index \"{token}\" is out of range");
        return i;
    }

    private static ApiException Bad(string message) => new(422, "Invalid", $"the server rejected our request due to an error in our request: {message}")
    {
        Causes = [new StatusCause("FieldValueInvalid", message, null)],
    };
}
