using System.Text.Json.Nodes;

namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// Strict field validation: finds request-body fields that the model type does not declare, reported in
/// kube-apiserver's path form (<c>spec.foo</c>, <c>spec.containers[0].foo</c>, <c>metadata.labelz</c>). Free-form
/// places (<c>object</c>-typed members such as RawExtension or <c>fieldsV1</c>) accept anything. Type mismatches are
/// not unknown fields and are left to deserialization.
/// </summary>
internal static class UnknownFields
{
    /// <summary>Unknown field paths in <paramref name="body"/> for <paramref name="modelType"/>, in document order.</summary>
    public static IReadOnlyList<string> Find(JsonNode body, Type modelType)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(modelType);
        var found = new List<string>();
        Walk(body, modelType, string.Empty, found);
        return found;
    }

    private static void Walk(JsonNode? node, Type type, string path, List<string> found)
    {
        if (node is null)
        {
            return;
        }

        var kind = ModelTypes.Classify(type, out var element);
        switch (kind)
        {
            case ModelKind.Object when node is JsonObject obj:
                var properties = ModelTypes.PropertiesOf(type);
                foreach (var (name, value) in obj)
                {
                    var childPath = path.Length == 0 ? name : path + "." + name;
                    if (properties.TryGetValue(name, out var property))
                    {
                        Walk(value, property.PropertyType, childPath, found);
                    }
                    else
                    {
                        found.Add(childPath);
                    }
                }

                break;
            case ModelKind.Array when node is JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], element!, path + "[" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]", found);
                }

                break;
            case ModelKind.Map when node is JsonObject map:
                // Go's strict decoder names map entries like struct fields: parent.key.
                foreach (var (key, value) in map)
                {
                    Walk(value, element!, path.Length == 0 ? key : path + "." + key, found);
                }

                break;
        }
    }
}
