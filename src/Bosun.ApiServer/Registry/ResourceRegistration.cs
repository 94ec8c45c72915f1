using System.Text.Json.Nodes;

namespace Bosun.ApiServer.Registry;

/// <summary>
/// Everything the server knows about one served resource: names for discovery, the model type for OpenAPI and
/// validation, where it is stored, and the strategy that supplies per-kind behaviour. Adding a kind = one of these
/// plus (optionally) a strategy; see docs/checklists/new-resource.md.
/// </summary>
internal sealed record ResourceRegistration
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    /// <summary>Plural, lower case: <c>pods</c>.</summary>
    public required string Resource { get; init; }
    public required string Kind { get; init; }
    public required bool Namespaced { get; init; }
    /// <summary>The KubernetesClient model type (<c>V1Pod</c>); drives OpenAPI and strict field validation.</summary>
    public required Type ModelType { get; init; }
    public required Type ListModelType { get; init; }
    public IResourceStrategy Strategy { get; init; } = DefaultStrategy.Instance;
    public IReadOnlyList<string> ShortNames { get; init; } = [];
    public IReadOnlyList<string> Categories { get; init; } = [];
    public bool HasStatus { get; init; }
    public bool HasScale { get; init; }
    /// <summary>Whether <c>{resource}/eviction</c> is served (pods: a policy/v1 Eviction deletes the pod).</summary>
    public bool Evictable { get; init; }
    /// <summary>Whether <c>metadata.generation</c> is set on create and bumped on every spec change.</summary>
    public bool TracksGeneration { get; init; }
    /// <summary>Whether DELETE answers with the object (pods, services, namespaces) rather than a Status.</summary>
    public bool ReturnsDeletedObject { get; init; }
    /// <summary>Field selector labels beyond <c>metadata.name</c> and <c>metadata.namespace</c>.</summary>
    public IReadOnlyDictionary<string, Func<JsonObject, string?>> FieldLabels { get; init; } =
        new Dictionary<string, Func<JsonObject, string?>>();
    /// <summary>Where objects live when several versions share one stored form (autoscaling v1 and v2): the storage owner's group and resource.</summary>
    public string? StorageGroup { get; init; }
    /// <summary>Converts between this version and the stored version; null when they are the same.</summary>
    public IVersionConverter? Converter { get; init; }
    /// <summary>The rule for <c>metadata.name</c>: a DNS-1123 subdomain for most kinds, a label for namespaces, DNS-1035 for services.</summary>
    public Func<string, IEnumerable<string>> NameValidation { get; init; } = Bosun.Api.Validation.IsDns1123Subdomain;
    /// <summary>The preferred version serves first in discovery; others are alternates.</summary>
    public bool Preferred { get; init; } = true;
    /// <summary>The verbs discovery lists; null for the full set of a stored kind. Computed APIs (metrics) serve fewer.</summary>
    public IReadOnlyList<string>? Verbs { get; init; }
    /// <summary>Discovery's singular name when it is not the lower-cased kind (the metrics API's is empty).</summary>
    public string? Singular { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string GroupVersion => ApiVersion;
    public string ListKind => Kind + "List";
    public string SingularName => Singular ?? Kind.ToLowerInvariant();

    /// <summary><c>/registry/pods/</c> or <c>/registry/apps/deployments/</c>: the storage prefix of every object of this kind.</summary>
    public string StoragePrefix
    {
        get
        {
            var group = StorageGroup ?? Group;
            return group.Length == 0 ? $"/registry/{Resource}/" : $"/registry/{group}/{Resource}/";
        }
    }

    public string Key(string? ns, string name) => Namespaced ? $"{StoragePrefix}{ns}/{name}" : $"{StoragePrefix}{name}";

    public string NamespacePrefix(string? ns) => Namespaced && !string.IsNullOrEmpty(ns) ? $"{StoragePrefix}{ns}/" : StoragePrefix;
}

/// <summary>Converts an object between a served version and the stored version of the same resource.</summary>
internal interface IVersionConverter
{
    JsonObject ToStored(JsonObject served);
    JsonObject FromStored(JsonObject stored);
}
