using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// Maps a storage key (<c>{prefix}{namespace}/{name}</c>) back to the namespaced resources stored under its prefix and
/// its namespace, for the quota controller, which must tell which namespace a change belongs to.
/// </summary>
internal sealed class NamespacedKeys
{
    private readonly Dictionary<string, ResourceRegistration[]> byPrefix;

    public NamespacedKeys(ResourceCatalog catalog) => byPrefix = catalog.All
        .Select(s => s.Registration)
        .Where(r => r.Namespaced && r.Preferred)
        .GroupBy(r => r.StoragePrefix, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);

    /// <summary>The prefix and namespace of a namespaced object's key; null for any other key.</summary>
    public (string Prefix, string Namespace)? Split(string key)
    {
        var nameStart = key.LastIndexOf('/');
        if (nameStart <= 0) return null;
        var nsStart = key.LastIndexOf('/', nameStart - 1);
        if (nsStart < 0) return null;
        var prefix = key[..(nsStart + 1)];
        return byPrefix.ContainsKey(prefix) ? (prefix, key[(nsStart + 1)..nameStart]) : null;
    }

    public IReadOnlyList<ResourceRegistration> Registrations(string prefix) => byPrefix[prefix];
}
