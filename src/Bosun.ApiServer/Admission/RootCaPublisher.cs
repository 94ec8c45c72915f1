using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The root-ca-cert-publisher, run inside the API server (which holds the CA): every namespace gets the
/// <c>kube-root-ca.crt</c> ConfigMap with <c>ca.crt</c>, which the kube-api-access projected volume reads, and gets it
/// back when it is deleted or edited. Keyed by namespace: a namespace's creation or a change to its ConfigMap
/// reconciles that namespace at once.
/// </summary>
internal sealed class RootCaPublisher(IKeyValueStore storage, ResourceCatalog catalog, string caPem) : Controllers.IWatchedController
{
    private const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";
    private const string ConfigMapSuffix = "/" + ServiceAccountAdmission.RootCaConfigMap;

    private ResourceRegistration Namespaces => catalog.Get("", "v1", "namespaces").Registration;
    private GenericStore ConfigMaps => catalog.Get("", "v1", "configmaps");

    public bool Interested(string storageKey) =>
        storageKey.StartsWith(Namespaces.StoragePrefix, StringComparison.Ordinal)
        || (storageKey.EndsWith(ConfigMapSuffix, StringComparison.Ordinal) && storageKey.StartsWith(ConfigMaps.Registration.StoragePrefix, StringComparison.Ordinal));

    public async Task<long> ListAsync(Action<string> enqueue, CancellationToken ct)
    {
        var prefix = Namespaces.StoragePrefix;
        var all = await storage.RangeAsync(new RangeRequest(prefix), ct).ConfigureAwait(false);
        foreach (var kv in all.Items) enqueue(kv.Key[prefix.Length..]);
        return all.Revision;
    }

    /// <summary>A namespace written (not deleted), or any change to a <c>kube-root-ca.crt</c>: that namespace.</summary>
    public IEnumerable<string> KeysOf(WatchEvent change)
    {
        var key = change.Kv.Key;
        var namespaces = Namespaces.StoragePrefix;
        if (key.StartsWith(namespaces, StringComparison.Ordinal))
            return change.Type == WatchEventType.Put ? [key[namespaces.Length..]] : [];
        var configMaps = ConfigMaps.Registration.StoragePrefix;
        return [key[configMaps.Length..^ConfigMapSuffix.Length]];
    }

    public async Task ReconcileAsync(string name, CancellationToken ct)
    {
        var configMaps = ConfigMaps;
        if (await storage.GetAsync(Namespaces.Key(null, name), ct).ConfigureAwait(false) is not { } nsKv) return;
        if (Json.ParseObject(nsKv.Value.Span).Obj("metadata")?["deletionTimestamp"] is not null) return;
        var existing = await storage.GetAsync(configMaps.Registration.Key(name, ServiceAccountAdmission.RootCaConfigMap), ct).ConfigureAwait(false);
        if (existing is null)
        {
            try
            {
                await configMaps.CreateAsync(name, Desired(), new WriteOptions { FieldManager = "root-ca-cert-publisher" }, ct).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Code is 409 or 403 or 404)
            {
                // Created meanwhile (its event brings us back), or the namespace is going away.
            }
            return;
        }
        if (Json.ParseObject(existing.Value.Span).Obj("data").Str("ca.crt") == caPem) return;
        await configMaps.UpdateAsync(name, ServiceAccountAdmission.RootCaConfigMap, UpdateKind.Main, current =>
        {
            current["data"] = new JsonObject { ["ca.crt"] = caPem };
            return current;
        }, new WriteOptions { FieldManager = "root-ca-cert-publisher" }, ct).ConfigureAwait(false);
    }

    private JsonObject Desired() => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject
        {
            ["name"] = ServiceAccountAdmission.RootCaConfigMap,
            ["annotations"] = new JsonObject { ["kubernetes.io/description"] = Description },
        },
        ["data"] = new JsonObject { ["ca.crt"] = caPem },
    };
}
