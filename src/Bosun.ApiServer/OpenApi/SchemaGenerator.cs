using System.Reflection;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// Generates JSON schemas for KubernetesClient model types into one document's schema table, following refs so every
/// reachable model gets a named schema with descriptions from <see cref="ModelDocumentation"/>. Not thread-safe: one
/// instance builds one document.
/// </summary>
internal sealed class SchemaGenerator
{
    private const string IntOrStringDescription =
        "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.";

    private const string QuantityDescription =
        "Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.";

    private readonly OpenApiFlavor _flavor;
    private readonly ModelDocumentation _docs;
    private readonly Dictionary<Type, string> _names = new();
    private readonly SortedDictionary<string, JsonObject> _schemas = new(StringComparer.Ordinal);

    public SchemaGenerator(OpenApiFlavor flavor, ModelDocumentation docs)
    {
        _flavor = flavor;
        _docs = docs;
    }

    /// <summary>All schemas generated so far, by definition name, sorted.</summary>
    public IReadOnlyDictionary<string, JsonObject> Schemas => _schemas;

    /// <summary>A <c>$ref</c> object to the schema of <paramref name="modelType"/>, generating it if needed.</summary>
    public JsonObject RefTo(Type modelType) => RefToName(NameFor(modelType));

    /// <summary>A <c>$ref</c> object to the upstream PATCH body definition (a free-form object).</summary>
    public JsonObject RefToPatch()
    {
        if (!_schemas.ContainsKey(SchemaNaming.PatchName))
        {
            _schemas[SchemaNaming.PatchName] = new JsonObject
            {
                ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
                ["type"] = "object",
            };
        }

        return RefToName(SchemaNaming.PatchName);
    }

    /// <summary>Schema for a value of CLR type <paramref name="type"/> (inline for scalars, a ref for models).</summary>
    public JsonObject SchemaFor(Type type)
    {
        var kind = ModelTypes.Classify(type, out var element);
        return kind switch
        {
            ModelKind.String => new JsonObject { ["type"] = "string" },
            ModelKind.Boolean => new JsonObject { ["type"] = "boolean" },
            ModelKind.Int32 => new JsonObject { ["type"] = "integer", ["format"] = "int32" },
            ModelKind.Int64 => new JsonObject { ["type"] = "integer", ["format"] = "int64" },
            ModelKind.Number => new JsonObject { ["type"] = "number", ["format"] = "double" },
            ModelKind.DateTime => new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            ModelKind.Bytes => new JsonObject { ["type"] = "string", ["format"] = "byte" },
            ModelKind.IntOrString => RefToNamed(SchemaNaming.IntOrStringName, IntOrStringDescription, "int-or-string", "integer", "string"),
            ModelKind.Quantity => RefToNamed(SchemaNaming.QuantityName, QuantityDescription, null, "string", "number"),

            // RawExtension, fieldsV1, JSONSchemaProps.default …: arbitrary JSON, so nothing below may be validated.
            ModelKind.FreeForm => new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
            ModelKind.Array => new JsonObject { ["type"] = "array", ["items"] = SchemaFor(element!) },
            ModelKind.Map => new JsonObject { ["type"] = "object", ["additionalProperties"] = SchemaFor(element!) },
            _ => RefTo(type),
        };
    }

    private JsonObject RefToName(string name) => new() { ["$ref"] = (_flavor == OpenApiFlavor.V3 ? "#/components/schemas/" : "#/definitions/") + name };

    private JsonObject RefToNamed(string name, string description, string? format, params string[] v3Types)
    {
        if (!_schemas.ContainsKey(name))
        {
            var schema = new JsonObject { ["description"] = description };
            if (_flavor == OpenApiFlavor.V3)
            {
                // As upstream: v3 states the real alternatives. Having no plain "type" also makes kubectl explain print
                // the ref name (<IntOrString>, <map[string]Quantity>) instead of <string>.
                schema["oneOf"] = new JsonArray(v3Types.Select(t => (JsonNode?)new JsonObject { ["type"] = t }).ToArray());
            }
            else
            {
                schema["type"] = "string";
            }

            if (format is not null)
            {
                schema["format"] = format;
            }

            _schemas[name] = schema;
        }

        return RefToName(name);
    }

    private string NameFor(Type type)
    {
        if (_names.TryGetValue(type, out var known))
        {
            return known;
        }

        var name = SchemaNaming.NameOf(type);
        if (_schemas.ContainsKey(name))
        {
            // Two CLR types mapped to one Kubernetes name; keep both reachable under distinct, stable names.
            name = SchemaNaming.Fallback(type);
            for (var i = 2; _schemas.ContainsKey(name); i++)
            {
                name = SchemaNaming.Fallback(type) + i;
            }
        }

        _names[type] = name;

        // Reserve the slot before recursing so self-referencing models (JSONSchemaProps) terminate.
        var schema = new JsonObject();
        _schemas[name] = schema;
        Fill(schema, type);
        return name;
    }

    private void Fill(JsonObject schema, Type type)
    {
        var description = _docs.ForType(type);
        if (description is not null)
        {
            schema["description"] = description;
        }

        schema["type"] = "object";
        var properties = new JsonObject();
        foreach (var (jsonName, property) in ModelTypes.PropertiesOf(type).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            properties[jsonName] = WithPatchFacts(PropertySchema(property), Patch.PatchMeta.Find(type, jsonName));
        }

        schema["properties"] = properties;

        // No "required" list: KubernetesClient 21 models carry no such marking (only parameterless constructors, no
        // [JsonRequired], no Validate(), nullable-oblivious), and kubectl's create/apply validation is server-side.

        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>();
        if (entity is not null && entity.Kind is { Length: > 0 } && entity.ApiVersion is { Length: > 0 })
        {
            // kubectl explain locates the kind's schema by this tag.
            schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(entity.Group ?? string.Empty, entity.ApiVersion, entity.Kind));
        }
    }

    private JsonObject PropertySchema(PropertyInfo property)
    {
        var schema = SchemaFor(property.PropertyType);
        var description = _docs.ForProperty(property);
        if (description is null)
        {
            return schema;
        }

        if (schema.ContainsKey("$ref") && _flavor == OpenApiFlavor.V3)
        {
            // OpenAPI 3.0 ignores siblings of $ref; upstream wraps the ref in allOf to carry the field description.
            return new JsonObject { ["allOf"] = new JsonArray(schema), ["description"] = description };
        }

        schema["description"] = description;
        return schema;
    }

    /// <summary>
    /// Adds <c>x-kubernetes-patch-strategy</c>/<c>x-kubernetes-patch-merge-key</c>: kubectl builds its strategic merge
    /// patches (apply, edit, set) from these, and without them sends whole lists, so deletions by key never happen.
    /// </summary>
    private JsonObject WithPatchFacts(JsonObject schema, Patch.ListFacts? facts)
    {
        if (facts is null) return schema;
        var strategy = string.Join(",", new[] { facts.Merge ? "merge" : null, facts.RetainKeys ? "retainKeys" : null }.OfType<string>());
        if (strategy.Length == 0) return schema;
        if (schema.ContainsKey("$ref") && _flavor == OpenApiFlavor.V3)
        {
            // OpenAPI 3.0 ignores siblings of $ref, so the extension rides on an allOf wrapper as upstream's does.
            schema = new JsonObject { ["allOf"] = new JsonArray(schema) };
        }
        schema["x-kubernetes-patch-strategy"] = strategy;
        if (facts.MergeKey is not null) schema["x-kubernetes-patch-merge-key"] = facts.MergeKey;
        return schema;
    }

    /// <summary>An <c>x-kubernetes-group-version-kind</c> entry.</summary>
    public static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["kind"] = kind, ["version"] = version };
}
