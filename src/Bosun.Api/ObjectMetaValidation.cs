using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Api;

/// <summary>
/// Validates the generic part of an object's metadata (name/generateName, namespace scope, generation,
/// labels, annotations) and reports problems as Kubernetes' ValidateObjectMeta does, field paths included.
/// </summary>
public static class ObjectMetaValidation
{
    /// <summary>
    /// Validates <paramref name="metadata"/> (null means absent). <paramref name="nameValidator"/> is the
    /// kind's name rule, usually <see cref="Validation.IsDns1123Subdomain"/>. A generateName-only object
    /// passes the name check, so this works both before and after the server has generated the name;
    /// namespace defaulting from the request URL must have happened already.
    /// </summary>
    public static IReadOnlyList<FieldError> Validate(JsonObject? metadata, bool namespaced, Func<string, IEnumerable<string>> nameValidator)
    {
        ArgumentNullException.ThrowIfNull(nameValidator);
        var errors = new List<FieldError>();
        var name = GetString(metadata, "name");
        var generateName = GetString(metadata, "generateName");
        var ns = GetString(metadata, "namespace");

        if (generateName.Length != 0)
        {
            foreach (var message in nameValidator(MaskTrailingDash(generateName)))
            {
                errors.Add(FieldError.Invalid("metadata.generateName", generateName, message));
            }
        }

        if (name.Length == 0)
        {
            if (generateName.Length == 0)
            {
                errors.Add(FieldError.Required("metadata.name", "name or generateName is required"));
            }
        }
        else
        {
            foreach (var message in nameValidator(name))
            {
                errors.Add(FieldError.Invalid("metadata.name", name, message));
            }
        }

        if (namespaced)
        {
            if (ns.Length == 0)
            {
                errors.Add(FieldError.Required("metadata.namespace"));
            }
            else
            {
                foreach (var message in Validation.IsDns1123Label(ns))
                {
                    errors.Add(FieldError.Invalid("metadata.namespace", ns, message));
                }
            }
        }
        else if (ns.Length != 0)
        {
            errors.Add(FieldError.Forbidden("metadata.namespace", "not allowed on this type"));
        }

        if (metadata?["generation"] is JsonValue generation && generation.TryGetValue<long>(out var gen) && gen < 0)
        {
            errors.Add(FieldError.Invalid("metadata.generation", gen, "must be greater than or equal to 0"));
        }

        errors.AddRange(ValidateLabels(GetMap(metadata, "labels"), "metadata.labels"));
        errors.AddRange(ValidateAnnotations(GetMap(metadata, "annotations"), "metadata.annotations"));
        return errors;
    }

    /// <summary>Label keys must be qualified names and values valid label values; all errors sit on the map's path.</summary>
    public static IReadOnlyList<FieldError> ValidateLabels(IEnumerable<KeyValuePair<string, string>> labels, string path)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var errors = new List<FieldError>();
        foreach (var (key, value) in labels)
        {
            foreach (var message in Validation.IsQualifiedName(key))
            {
                errors.Add(FieldError.Invalid(path, key, message));
            }

            foreach (var message in Validation.IsValidLabelValue(value))
            {
                errors.Add(FieldError.Invalid(path, value, message));
            }
        }

        return errors;
    }

    /// <summary>
    /// Annotation keys are qualified names compared case-insensitively (the reported value keeps its case),
    /// and keys plus values may total at most 256 KiB.
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateAnnotations(IReadOnlyCollection<KeyValuePair<string, string>> annotations, string path)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        var errors = new List<FieldError>();
        foreach (var (key, _) in annotations)
        {
            foreach (var message in Validation.IsQualifiedName(key.ToLowerInvariant()))
            {
                errors.Add(FieldError.Invalid(path, key, message));
            }
        }

        if (Validation.ValidateAnnotationsSize(annotations).Count != 0)
        {
            errors.Add(FieldError.TooLong(path, Validation.TotalAnnotationSizeLimitBytes));
        }

        return errors;
    }

    /// <summary>
    /// Kubernetes validates a generateName as a name prefix: a trailing '-' is acceptable because random
    /// characters follow, so it is replaced by a letter before the name rule runs.
    /// </summary>
    private static string MaskTrailingDash(string name) =>
        name.Length > 1 && name[^1] == '-' ? name[..^2] + "a" : name;

    private static string GetString(JsonObject? metadata, string property) =>
        metadata?[property] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : "";

    private static List<KeyValuePair<string, string>> GetMap(JsonObject? metadata, string property)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (metadata?[property] is JsonObject map)
        {
            foreach (var (key, node) in map)
            {
                // A JSON null decodes to Go's empty string.
                var text = node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node?.ToJsonString() ?? "";
                result.Add(new(key, text));
            }
        }

        return result;
    }
}
