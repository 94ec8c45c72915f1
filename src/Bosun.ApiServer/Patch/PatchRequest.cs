using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Http;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Patch;

/// <summary>
/// The PATCH verb's logic behind the handler (apiserver's endpoints/handlers/patch.go): picks the mechanism for the
/// content type and runs it inside the store's read-modify-write, or, for server-side apply, creates or applies.
/// </summary>
internal static class PatchRequest
{
    public const string ApplyYaml = "application/apply-patch+yaml";

    /// <summary>How a non-apply patch turns the stored object into the new one.</summary>
    public static Func<JsonObject, JsonObject> Mutation(string media, byte[] body, ResourceRegistration reg)
    {
        var patch = RequestBody.ParseJson(body);
        return media switch
        {
            "application/merge-patch+json" => current => JsonMergePatch.Apply(current, patch) as JsonObject
                ?? throw ApiException.BadRequest("the patched object must be a JSON object"),
            "application/json-patch+json" => current => JsonPatch.Apply(current, patch) as JsonObject
                ?? throw ApiException.BadRequest("the patched object must be a JSON object"),
            "application/strategic-merge-patch+json" when ModelSchema.Of(reg.ModelType) is null => throw Unsupported(media),
            "application/strategic-merge-patch+json" => current => StrategicMergePatch.Apply(current,
                patch as JsonObject ?? throw ApiException.BadRequest("strategic merge patch format is not supported"), reg.ModelType),
            _ => throw Unsupported(media),
        };
    }

    /// <summary>Server-side apply: create when absent (Created = true), else apply onto the live object.</summary>
    public static Task<(JsonObject Object, bool Created)> ApplyAsync(GenericStore store, string? ns, string name, bool status,
        byte[] body, WriteOptions options, bool force, CancellationToken ct) =>
        ApplyAsync(store, ns, name, status, ReadConfig(body), options, force, ct);

    /// <summary>Server-side apply of an already parsed (and field-validated) configuration.</summary>
    public static async Task<(JsonObject Object, bool Created)> ApplyAsync(GenericStore store, string? ns, string name, bool status,
        JsonObject config, WriteOptions options, bool force, CancellationToken ct)
    {
        var reg = store.Registration;
        var manager = options.FieldManager;
        if (string.IsNullOrEmpty(manager))
            throw new ApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch")
            {
                DetailsGroup = "meta.k8s.io",
                DetailsKind = "PatchOptions",
                DetailsName = "",
                Causes = [new StatusCause("FieldValueRequired", "Required value: is required for apply patch", "fieldManager")],
            };
        BodyChecks.TypeMeta(config, reg);
        if (config.Obj("metadata")?["managedFields"] is not null) throw ApiException.BadRequest("metadata.managedFields must be nil");
        if (config.Obj("metadata").Str("name") is { } bodyName && bodyName != name)
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        BodyChecks.Namespace(config, reg, ns);
        var applying = options with { Applying = true };
        var kind = status ? UpdateKind.Status : UpdateKind.Main;

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var updated = await store.UpdateAsync(ns, name, kind,
                    current => ServerSideApply.Apply(current, config, manager, force, reg, store.Time.GetUtcNow(), status ? "status" : null),
                    applying, ct);
                return (updated, false);
            }
            catch (ApiException e) when (e.Code == 404 && !status && attempt == 0)
            {
                var obj = ServerSideApply.Create(config, manager, reg, store.Time.GetUtcNow());
                obj.Ensure("metadata")["name"] = name;
                try
                {
                    return (await store.CreateAsync(ns, obj, applying, ct), true);
                }
                catch (ApiException exists) when (exists.Code == 409 && exists.Reason == "AlreadyExists")
                {
                    // Created meanwhile by someone else: apply onto theirs.
                }
            }
        }
    }

    /// <summary><c>force</c> only means something to apply (PatchOptions validation).</summary>
    public static void CheckForce(string media, bool force)
    {
        if (force && media != ApplyYaml)
            throw new ApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch")
            {
                DetailsGroup = "meta.k8s.io",
                DetailsKind = "PatchOptions",
                DetailsName = "",
                Causes = [new StatusCause("FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force")],
            };
    }

    /// <summary>kubectl sends JSON; YAML is accepted too (JSON is parsed as JSON so numbers and escapes stay exact).</summary>
    public static JsonObject ReadConfig(byte[] body)
    {
        foreach (var b in body)
        {
            if (b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') continue;
            return b == (byte)'{' ? RequestBody.ParseJsonObject(body) : RequestBody.ParseYamlObject(body);
        }
        throw ApiException.BadRequest("the request body must not be empty for an apply patch");
    }

    private static ApiException Unsupported(string media) => new(415, "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
    {
        DetailsKind = media,
    };

    /// <summary>Whether the patch itself sets <c>metadata.resourceVersion</c>, making it a precondition.</summary>
    public static bool PinsResourceVersion(string media, byte[] body)
    {
        JsonNode? patch;
        try { patch = JsonNode.Parse(body); }
        catch (System.Text.Json.JsonException) { return false; }   // the mutation reports the malformed body
        return patch switch
        {
            JsonArray ops => ops.OfType<JsonObject>().Any(op => op["path"]?.GetValue<string>() == "/metadata/resourceVersion"),
            JsonObject obj => obj["metadata"] is JsonObject meta && meta["resourceVersion"] is not null,
            _ => false,
        };
    }
}
