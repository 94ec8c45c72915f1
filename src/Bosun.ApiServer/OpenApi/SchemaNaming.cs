using System.Collections.Frozen;
using System.Reflection;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Bosun.ApiServer.OpenApi;

/// <summary>
/// Derives Kubernetes' dotted definition names (<c>io.k8s.api.core.v1.Pod</c>) for KubernetesClient model types.
/// Sources, most reliable first: a table of apimachinery meta/v1 types; the group prefix the C# generator adds on name
/// clashes (<c>Corev1EventSeries</c>); the GVK of top-level kinds; for nested types, the groups of the top-level kinds in
/// the whole client assembly that reach them (one group ⇒ that group, several including core ⇒ core). Anything else gets
/// a deterministic <c>io.k8s.bosun.models.&lt;CSharpName&gt;</c>. kubectl explain only needs refs and GVK tags, so a
/// fallback name is harmless.
/// </summary>
internal static partial class SchemaNaming
{
    /// <summary>Definition name of IntOrString, as upstream.</summary>
    public const string IntOrStringName = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";

    /// <summary>Definition name of Quantity, as upstream.</summary>
    public const string QuantityName = "io.k8s.apimachinery.pkg.api.resource.Quantity";

    /// <summary>Definition name of the PATCH body, as upstream.</summary>
    public const string PatchName = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";

    private const string MetaPrefix = "io.k8s.apimachinery.pkg.apis.meta.v1.";

    private static readonly FrozenSet<string> MetaV1Types = new[]
    {
        "ObjectMeta", "ListMeta", "OwnerReference", "ManagedFieldsEntry", "LabelSelector", "LabelSelectorRequirement",
        "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions", "Condition", "APIResource",
        "APIResourceList", "APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery",
        "ServerAddressByClientCIDR", "WatchEvent", "FieldSelectorRequirement", "Patch",
    }.ToFrozenSet(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<Type, FrozenSet<string>>> ReachingGroups = new(ComputeReachingGroups);

    /// <summary>The definition name for a model object type.</summary>
    public static string NameOf(Type type)
    {
        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>();
        if (entity is not null && entity.Kind is { Length: > 0 } && entity.ApiVersion is { Length: > 0 })
        {
            return PackagePrefix(entity.Group ?? string.Empty, entity.ApiVersion) + entity.Kind;
        }

        var match = type.Namespace == "k8s.Models" ? CSharpModelName().Match(type.Name) : Match.Empty;
        if (!match.Success)
        {
            return Fallback(type);
        }

        var version = match.Groups["ver"].Value.ToLowerInvariant();
        var rest = match.Groups["rest"].Value;
        var prefix = match.Groups["grp"].Value;
        if (prefix.Length > 0)
        {
            return PackagePrefixForPackage(prefix.ToLowerInvariant(), version) + rest;
        }

        if (version == "v1" && MetaV1Types.Contains(rest))
        {
            return MetaPrefix + rest;
        }

        if (!ReachingGroups.Value.TryGetValue(type, out var groups) || groups.Count == 0)
        {
            return Fallback(type);
        }

        if (groups.Count == 1)
        {
            return PackagePrefix(groups.First(), version) + rest;
        }

        return groups.Contains(string.Empty) ? PackagePrefix(string.Empty, version) + rest : Fallback(type);
    }

    /// <summary>Name used when no Kubernetes name can be derived reliably.</summary>
    public static string Fallback(Type type) => "io.k8s.bosun.models." + type.Name;

    private static string PackagePrefix(string group, string version)
    {
        // "networking.k8s.io" → networking, "rbac.authorization.k8s.io" → rbac: the Go package is the first DNS label.
        var package = group.Length == 0 ? "core" : group.Split('.')[0];
        if (group.Length > 0 && !group.EndsWith(".k8s.io", StringComparison.Ordinal) && group.Contains('.'))
        {
            // Not a built-in group: no upstream package exists, keep the full group to stay unique.
            return "io.k8s.bosun.apis." + group + "." + version + ".";
        }

        return PackagePrefixForPackage(package, version);
    }

    private static string PackagePrefixForPackage(string package, string version) => package switch
    {
        "apiextensions" => "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions." + version + ".",
        "apiregistration" => "io.k8s.kube-aggregator.pkg.apis.apiregistration." + version + ".",
        _ => "io.k8s.api." + package + "." + version + ".",
    };

    private static FrozenDictionary<Type, FrozenSet<string>> ComputeReachingGroups()
    {
        Type[] all;
        try
        {
            all = typeof(V1Pod).Assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            all = e.Types.Where(t => t is not null).ToArray()!;
        }

        var reach = new Dictionary<Type, HashSet<string>>();
        foreach (var kind in all.Where(t => t.Namespace == "k8s.Models").OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var entity = kind.GetCustomAttribute<KubernetesEntityAttribute>();
            if (entity is null)
            {
                continue;
            }

            var group = entity.Group ?? string.Empty;
            var seen = new HashSet<Type>();
            var stack = new Stack<Type>();
            stack.Push(kind);
            while (stack.Count > 0)
            {
                var t = stack.Pop();
                if (!seen.Add(t))
                {
                    continue;
                }

                if (!reach.TryGetValue(t, out var set))
                {
                    reach[t] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(group);
                foreach (var p in ModelTypes.PropertiesOf(t).Values)
                {
                    var child = ObjectTypeOf(p.PropertyType);
                    if (child is not null)
                    {
                        stack.Push(child);
                    }
                }
            }
        }

        return reach.ToFrozenDictionary(kv => kv.Key, kv => kv.Value.ToFrozenSet(StringComparer.Ordinal));
    }

    private static Type? ObjectTypeOf(Type type)
    {
        var kind = ModelTypes.Classify(type, out var element);
        return kind switch
        {
            ModelKind.Object => type,
            ModelKind.Array or ModelKind.Map when element is not null => ObjectTypeOf(element),
            _ => null,
        };
    }

    // The C# generator names models <Version><Name>, or <Group><version><Name> where names clash across groups
    // (Corev1EventSeries, Storagev1TokenRequest); the version is v<N>[alpha<N>|beta<N>].
    [GeneratedRegex("^(?<grp>[A-Z][a-z]+(?=v\\d))?(?<ver>[Vv]\\d+(?:(?:alpha|beta)\\d+)?)(?<rest>[A-Z].*)$", RegexOptions.CultureInvariant)]
    private static partial Regex CSharpModelName();
}
