using Bosun.Storage;

namespace Bosun.ApiServer.Registry;

/// <summary>Every served resource with its store, looked up by group, version and plural resource name.</summary>
internal sealed class ResourceCatalog
{
    private readonly Dictionary<(string Group, string Version, string Resource), GenericStore> stores = [];

    public ResourceCatalog(IEnumerable<ResourceRegistration> registrations, IKeyValueStore storage, TimeProvider time)
    {
        var guard = Namespaces = new NamespaceGuard(storage);
        foreach (var reg in registrations)
        {
            var store = new GenericStore(reg, storage, guard, time);
            stores.Add((reg.Group, reg.Version, reg.Resource), store);
            All.Add(store);
        }
        Quotas = new Admission.QuotaIndex(storage, Get("", "v1", "resourcequotas").Registration, time);
    }

    /// <summary>Which namespaces hold ResourceQuotas, for the quota plugin (followed from the watch cache once the server runs).</summary>
    public Admission.QuotaIndex Quotas { get; }

    /// <summary>The namespace lifecycle check every namespaced create goes through.</summary>
    public NamespaceGuard Namespaces { get; }

    /// <summary>In registration (= discovery) order.</summary>
    public List<GenericStore> All { get; } = [];

    public GenericStore? Find(string group, string version, string resource) =>
        stores.GetValueOrDefault((group, version, resource));

    public GenericStore Get(string group, string version, string resource) =>
        Find(group, version, resource) ?? throw new InvalidOperationException($"{resource}.{group}/{version} is not registered");
}
