using System.Text.Json;
using System.Text.Json.Nodes;
using Bosun.Client;
using k8s;
using k8s.Models;

namespace Bosun.Controllers.Common;

/// <summary>Helpers on object metadata shared by the controllers: ownership, cloning, semantic equality.</summary>
internal static class Objects
{
    /// <summary>A deep copy; cached objects are shared between controllers and must never be changed in place.</summary>
    public static T Clone<T>(T obj)
    {
        // Cloned as what it really is, also when declared as an interface (the garbage collector's untyped view).
        var runtime = obj?.GetType() ?? typeof(T);
        return (T)JsonSerializer.Deserialize(JsonSerializer.Serialize(obj, runtime, ModelJson.Options), runtime, ModelJson.Options)!;
    }

    /// <summary>The ownerReference with <c>controller: true</c>, if any (at most one may exist).</summary>
    public static V1OwnerReference? ControllerOf(V1ObjectMeta meta) => meta.OwnerReferences?.FirstOrDefault(r => r.Controller == true);

    public static bool IsControlledBy(V1ObjectMeta meta, V1ObjectMeta owner) => ControllerOf(meta)?.Uid == owner.Uid;

    /// <summary>The reference a controller puts on what it creates: controller and blockOwnerDeletion both true.</summary>
    public static V1OwnerReference ControllerRef(IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    public static bool IsDeleting(V1ObjectMeta meta) => meta.DeletionTimestamp is not null;

    /// <summary>
    /// Canonical JSON (object keys sorted, nulls dropped): the same content always prints the same, whatever order the
    /// server or a dictionary happened to keep. Used for hashing and for "did anything change" checks.
    /// </summary>
    public static string Canonical(object? obj)
    {
        if (obj is null) return "null";
        var node = JsonNode.Parse(ModelJson.Serialize(obj));
        return Sort(node)?.ToJsonString() ?? "null";
    }

    /// <summary>Whether two values print the same canonical JSON (empty collections and nulls are not the same).</summary>
    public static bool SemanticEquals(object? a, object? b) => Canonical(a) == Canonical(b);

    private static JsonNode? Sort(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null)
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Sort(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Sort).ToArray()),
        null => null,
        _ => node.DeepClone(),
    };

    public static string? Annotation(V1ObjectMeta meta, string key) =>
        meta.Annotations is { } a && a.TryGetValue(key, out var v) ? v : null;
}
