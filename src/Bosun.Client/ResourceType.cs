using System.Collections.Concurrent;
using System.Reflection;
using k8s;
using k8s.Models;

namespace Bosun.Client;

/// <summary>Where a KubernetesClient model type lives in the API: group, version, plural resource, scope.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    // Kinds served cluster-wide; everything else registered by the server is namespaced.
    private static readonly HashSet<string> ClusterScoped =
    [
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PriorityClass",
        "IngressClass", "CustomResourceDefinition", "CertificateSigningRequest",
    ];

    private static readonly ConcurrentDictionary<Type, ResourceType> Cache = new();

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The collection path: <c>/api/v1/namespaces/ns/pods</c> or <c>/apis/apps/v1/deployments</c> (all namespaces).</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns) ? $"{root}/namespaces/{ns}/{Plural}" : $"{root}/{Plural}";
    }

    public string ObjectPath(string? ns, string name, string? subresource = null) =>
        $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}" + (subresource is null ? "" : "/" + subresource);

    public static ResourceType Of<T>() => Of(typeof(T));

    public static ResourceType Of(Type model) => Cache.GetOrAdd(model, static t =>
    {
        var entity = t.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{t.Name} is not a Kubernetes kind (no KubernetesEntity attribute)");
        return new ResourceType(entity.Group ?? "", entity.ApiVersion, entity.PluralName, entity.Kind, !ClusterScoped.Contains(entity.Kind));
    });
}
