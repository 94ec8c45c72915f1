using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// Generates the OpenAPI v3 index, one v3 document per group-version and the Swagger 2.0 document from the registered
/// resources and the KubernetesClient models. Generation is slow (reflection plus a 25 MB XML doc file), so each set is
/// built lazily, once, thread-safely, and requests only copy cached bytes.
/// </summary>
internal sealed class OpenApiService
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly OpenApiResource[] _resources;
    private readonly Lazy<OpenApiV3Set> _v3;
    private readonly Lazy<OpenApiDocument> _v2;

    public OpenApiService(IEnumerable<OpenApiResource> resources)
    {
        // Sorted so that documents, and therefore hashes, do not depend on registration order.
        _resources = resources
            .OrderBy(r => r.Group, StringComparer.Ordinal)
            .ThenBy(r => r.Version, StringComparer.Ordinal)
            .ThenBy(r => r.Resource, StringComparer.Ordinal)
            .ToArray();
        _v3 = new Lazy<OpenApiV3Set>(BuildV3, LazyThreadSafetyMode.ExecutionAndPublication);
        _v2 = new Lazy<OpenApiDocument>(BuildV2, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The <c>/openapi/v3</c> index document.</summary>
    public OpenApiDocument V3Index => _v3.Value.Index;

    /// <summary>The <c>/openapi/v2</c> Swagger 2.0 document (JSON).</summary>
    public OpenApiDocument V2 => _v2.Value;

    /// <summary>Index keys (<c>api/v1</c>, <c>apis/apps/v1</c>, …) of all served group-versions.</summary>
    public IEnumerable<string> GroupVersionPaths => _v3.Value.Documents.Keys;

    /// <summary>The v3 document for an index key such as <c>api/v1</c> or <c>apis/apps/v1</c>.</summary>
    public bool TryGetV3(string groupVersionPath, out OpenApiDocument document) =>
        _v3.Value.Documents.TryGetValue(groupVersionPath.Trim('/'), out document!);

    /// <summary>Builds every document now (tests); the server builds them on first request instead, to keep idle memory low.</summary>
    public void Warm()
    {
        _ = _v3.Value;
        _ = _v2.Value;
    }

    /// <summary>Index key of a group-version: <c>api/v1</c> for core, else <c>apis/&lt;group&gt;/&lt;version&gt;</c>.</summary>
    public static string GroupVersionPath(string group, string version) =>
        group.Length == 0 ? "api/" + version : "apis/" + group + "/" + version;

    private OpenApiV3Set BuildV3()
    {
        var docs = ModelDocumentation.Shared;
        var documents = new SortedDictionary<string, OpenApiDocument>(StringComparer.Ordinal);
        foreach (var gv in _resources.GroupBy(r => GroupVersionPath(r.Group, r.Version)))
        {
            var schemas = new SchemaGenerator(OpenApiFlavor.V3, docs);
            var paths = BuildPaths(gv, new PathGenerator(OpenApiFlavor.V3, schemas));
            var root = new JsonObject
            {
                ["openapi"] = "3.0.0",
                ["info"] = Info(),
                ["paths"] = paths,
                ["components"] = new JsonObject { ["schemas"] = ToObject(schemas.Schemas) },
            };
            documents[gv.Key] = Serialize(root);
        }

        var index = new JsonObject();
        foreach (var (key, doc) in documents)
        {
            index[key] = new JsonObject { ["serverRelativeURL"] = "/openapi/v3/" + key + "?hash=" + doc.Hash };
        }

        return new OpenApiV3Set(Serialize(new JsonObject { ["paths"] = index }), documents.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private OpenApiDocument BuildV2()
    {
        var schemas = new SchemaGenerator(OpenApiFlavor.V2, ModelDocumentation.Shared);
        var paths = BuildPaths(_resources, new PathGenerator(OpenApiFlavor.V2, schemas));
        return Serialize(new JsonObject
        {
            ["swagger"] = "2.0",
            ["info"] = Info(),
            ["paths"] = paths,
            ["definitions"] = ToObject(schemas.Schemas),
        });
    }

    private static JsonObject BuildPaths(IEnumerable<OpenApiResource> resources, PathGenerator generator)
    {
        var unsorted = new JsonObject();
        foreach (var resource in resources)
        {
            generator.Add(unsorted, resource);
        }

        var sorted = new JsonObject();
        foreach (var (path, item) in unsorted.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray())
        {
            unsorted.Remove(path);
            sorted[path] = item;
        }

        return sorted;
    }

    private static JsonObject ToObject(IReadOnlyDictionary<string, JsonObject> schemas)
    {
        var result = new JsonObject();
        foreach (var (name, schema) in schemas)
        {
            result[name] = schema.DeepClone();
        }

        return result;
    }

    private static JsonObject Info() => new() { ["title"] = "Kubernetes", ["version"] = "unversioned" };

    private static OpenApiDocument Serialize(JsonNode root)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            root.WriteTo(writer);
        }

        var bytes = buffer.ToArray();
        return new OpenApiDocument(bytes, Convert.ToHexString(SHA512.HashData(bytes)));
    }
}
