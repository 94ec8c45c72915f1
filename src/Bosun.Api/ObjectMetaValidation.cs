using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.Api;

/// <summary>
/// Validates the generic part of an object's metadata (name/generateName, namespace scope, generation,
/// labels, annotations, owner references, finalizers) and reports problems as Kubernetes' ValidateObjectMeta does, field paths included.
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
        errors.AddRange(ValidateOwnerReferences(metadata?["ownerReferences"] as JsonArray, "metadata.ownerReferences"));
        errors.AddRange(ValidateFinalizers(GetStrings(metadata, "finalizers"), "metadata.finalizers"));
        return errors;
    }

    /// <summary>
    /// Each finalizer must be a qualified name, and the orphan and foreground-deletion finalizers exclude each other.
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateFinalizers(IReadOnlyList<string> finalizers, string path)
    {
        ArgumentNullException.ThrowIfNull(finalizers);
        var errors = new List<FieldError>();
        foreach (var finalizer in finalizers)
        {
            foreach (var message in Validation.IsQualifiedName(finalizer))
            {
                errors.Add(FieldError.Invalid(path, finalizer, message));
            }
        }

        if (finalizers.Contains("orphan") && finalizers.Contains("foregroundDeletion"))
        {
            errors.Add(FieldError.Invalid(path, finalizers, "finalizer orphan and foregroundDeletion cannot be both set"));
        }

        return errors;
    }

    /// <summary>
    /// Each owner reference needs a version, kind, name and uid, Events cannot own objects, and at most one
    /// reference may be the controller. Paths carry no index, as in Kubernetes. Where Kubernetes would dump a
    /// Go struct as the bad value, the value is left out, since Go's rendering includes pointer addresses.
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateOwnerReferences(JsonArray? ownerReferences, string path)
    {
        var errors = new List<FieldError>();
        string? firstController = null;
        foreach (var node in ownerReferences ?? [])
        {
            var reference = node as JsonObject;
            var apiVersion = GetString(reference, "apiVersion");
            var kind = GetString(reference, "kind");
            var name = GetString(reference, "name");
            var uid = GetString(reference, "uid");
            var (group, version) = ParseGroupVersion(apiVersion);
            if (version.Length == 0)
            {
                errors.Add(FieldError.Invalid(path + ".apiVersion", apiVersion, "version must not be empty"));
            }

            if (kind.Length == 0)
            {
                errors.Add(FieldError.Invalid(path + ".kind", kind, "kind must not be empty"));
            }

            if (name.Length == 0)
            {
                errors.Add(FieldError.Invalid(path + ".name", name, "name must not be empty"));
            }

            if (uid.Length == 0)
            {
                errors.Add(FieldError.Invalid(path + ".uid", uid, "uid must not be empty"));
            }

            if (group.Length == 0 && version == "v1" && kind == "Event")
            {
                errors.Add(FieldError.Invalid(path, FieldError.OmitValue, "/v1, Kind=Event is disallowed from being an owner"));
            }

            if (reference?["controller"] is JsonValue controller && controller.GetValueKind() == JsonValueKind.True)
            {
                var current = kind + "/" + name;
                if (firstController is null)
                {
                    firstController = current;
                }
                else
                {
                    errors.Add(FieldError.Invalid(path, FieldError.OmitValue,
                        $"Only one reference can have Controller set to true. Found \"true\" in references for {firstController} and {current}"));
                }
            }
        }

        return errors;
    }

    /// <summary>Splits "group/version" or "version"; anything with more slashes has no version, as in Kubernetes.</summary>
    private static (string Group, string Version) ParseGroupVersion(string apiVersion)
    {
        if (apiVersion.Length == 0 || apiVersion == "/")
        {
            return ("", "");
        }

        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return ("", apiVersion);
        }

        return apiVersion.IndexOf('/', slash + 1) >= 0 ? ("", "") : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    private static List<string> GetStrings(JsonObject? metadata, string property)
    {
        var result = new List<string>();
        if (metadata?[property] is JsonArray array)
        {
            foreach (var node in array)
            {
                result.Add(node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "");
            }
        }

        return result;
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
