using System.Collections.Concurrent;
using System.Collections.Frozen;
using Bosun.ApiServer.OpenApi;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// The shape of a model type as patching sees it: an object with named fields, a map of values, or a leaf.
/// Built once per type (reflection is cached) so walking a JSON tree alongside its model costs dictionary lookups only.
/// </summary>
internal sealed class ModelSchema
{
    private static readonly ConcurrentDictionary<Type, ModelSchema> Cache = new();

    private readonly Type type;
    private FrozenDictionary<string, ModelField>? fields;
    private ModelSchema? mapValues;
    private bool mapValuesResolved;

    private ModelSchema(Type type, ModelKind kind, Type? element)
    {
        this.type = type;
        Kind = kind;
        Element = element;
        Atomic = kind == ModelKind.Object && PatchMeta.IsAtomicStruct(type);
    }

    public ModelKind Kind { get; }

    /// <summary>The value type of maps (and item type of arrays).</summary>
    private Type? Element { get; }

    /// <summary>A struct owned as a whole by server-side apply (<c>+structType=atomic</c>).</summary>
    public bool Atomic { get; }

    public bool IsObject => Kind == ModelKind.Object;

    /// <summary>The schema of <paramref name="type"/>; null for free-form places, which patch like JSON merge patch.</summary>
    public static ModelSchema? Of(Type? type)
    {
        if (type is null) return null;
        var schema = Cache.GetOrAdd(type, static t =>
        {
            var kind = ModelTypes.Classify(t, out var element);
            return new ModelSchema(t, kind, element);
        });
        return schema.Kind == ModelKind.FreeForm ? null : schema;
    }

    /// <summary>The field named <paramref name="name"/> in JSON, or null when the model has no such field.</summary>
    public ModelField? Field(string name)
    {
        if (Kind != ModelKind.Object) return null;
        var all = fields ??= BuildFields();
        return all.GetValueOrDefault(name);
    }

    /// <summary>The schema of a map's values (labels, resource lists); null for objects and leaves.</summary>
    public ModelSchema? MapValues
    {
        get
        {
            if (!mapValuesResolved)
            {
                mapValues = Kind == ModelKind.Map ? Of(Element) : null;
                mapValuesResolved = true;
            }
            return mapValues;
        }
    }

    /// <summary>The schema a JSON object member's value follows: a field of an object, or a value of a map.</summary>
    public ModelSchema? Child(string name) => Kind == ModelKind.Map ? MapValues : Field(name)?.Schema;

    private FrozenDictionary<string, ModelField> BuildFields()
    {
        var result = new Dictionary<string, ModelField>(StringComparer.Ordinal);
        foreach (var (name, property) in ModelTypes.PropertiesOf(type))
        {
            var kind = ModelTypes.Classify(property.PropertyType, out var element);
            var isList = kind == ModelKind.Array;
            result[name] = new ModelField(name, isList, isList ? element : property.PropertyType, PatchMeta.Find(type, name));
        }
        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
