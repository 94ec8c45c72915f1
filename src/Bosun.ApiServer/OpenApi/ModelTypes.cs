using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// Reflection over the KubernetesClient models shared by schema generation and unknown-field detection:
/// classifies CLR types and caches each model's JSON property map, because unknown-field checks run on every write.
/// </summary>
internal static class ModelTypes
{
    private static readonly ConcurrentDictionary<Type, FrozenDictionary<string, PropertyInfo>> Properties = new();

    // Classification walks interfaces; cached because unknown-field checks classify every node of every request body.
    private static readonly ConcurrentDictionary<Type, (ModelKind Kind, Type? Element)> Kinds = new();

    /// <summary>Classifies <paramref name="type"/>; <paramref name="element"/> is the item/value type of arrays and maps.</summary>
    public static ModelKind Classify(Type type, out Type? element)
    {
        var (kind, e) = Kinds.GetOrAdd(type, static t => (ClassifyUncached(t, out var el), el));
        element = e;
        return kind;
    }

    private static ModelKind ClassifyUncached(Type type, out Type? element)
    {
        element = null;
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string) || t.IsEnum || t == typeof(Guid) || t == typeof(TimeSpan))
        {
            return ModelKind.String;
        }

        if (t == typeof(bool))
        {
            return ModelKind.Boolean;
        }

        if (t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(uint) || t == typeof(ushort))
        {
            return ModelKind.Int32;
        }

        if (t == typeof(long) || t == typeof(ulong))
        {
            return ModelKind.Int64;
        }

        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal))
        {
            return ModelKind.Number;
        }

        if (t == typeof(DateTime) || t == typeof(DateTimeOffset))
        {
            return ModelKind.DateTime;
        }

        if (t == typeof(byte[]))
        {
            return ModelKind.Bytes;
        }

        // Both have custom converters (number-or-string, canonical quantity string) and no [JsonPropertyName] members,
        // so they must be recognised by name rather than walked as objects.
        if (t.Namespace == "k8s.Models" && t.Name == "IntOrString")
        {
            return ModelKind.IntOrString;
        }

        if (t.Namespace == "k8s.Models" && t.Name == "ResourceQuantity")
        {
            return ModelKind.Quantity;
        }

        if (t == typeof(object) || t == typeof(JsonElement) || typeof(JsonNode).IsAssignableFrom(t) || t == typeof(JsonDocument))
        {
            return ModelKind.FreeForm;
        }

        var map = FindGeneric(t, typeof(IDictionary<,>)) ?? FindGeneric(t, typeof(IReadOnlyDictionary<,>));
        if (map is not null)
        {
            element = map.GetGenericArguments()[1];
            return ModelKind.Map;
        }

        var list = FindGeneric(t, typeof(IEnumerable<>));
        if (list is not null)
        {
            element = list.GetGenericArguments()[0];
            return ModelKind.Array;
        }

        return ModelKind.Object;
    }

    /// <summary>JSON name → property of a model type, ordinally sorted by name; cached per type.</summary>
    public static FrozenDictionary<string, PropertyInfo> PropertiesOf(Type type) => Properties.GetOrAdd(type, static t =>
    {
        var result = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length != 0 || p.GetCustomAttribute<JsonIgnoreAttribute>() is { Condition: JsonIgnoreCondition.Always })
            {
                continue;
            }

            // Only [JsonPropertyName] members are part of the wire format of the generated models.
            var name = p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is not null)
            {
                result[name] = p;
            }
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    });

    private static Type? FindGeneric(Type t, Type definition)
    {
        if (t.IsGenericType && t.GetGenericTypeDefinition() == definition)
        {
            return t;
        }

        return t.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition);
    }
}
