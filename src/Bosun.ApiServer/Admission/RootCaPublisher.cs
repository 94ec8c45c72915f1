using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;
using Bosun.Storage;
using Microsoft.Extensions.Logging;

namespace Bosun.ApiServer.Admission;

/// <summary>
/// The root-ca-cert-publisher, run inside the API server (which holds the CA): every namespace gets the
/// <c>kube-root-ca.crt</c> ConfigMap with <c>ca.crt</c>, which the kube-api-access projected volume reads, and gets it
/// back when it is deleted or edited.
/// </summary>
internal sealed class RootCaPublisher(IKeyValueStore storage, ResourceCatalog catalog, string caPem, TimeProvider time, ILogger logger)
{
    private const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    public Task RunAsync(CancellationToken ct) =>
        ApiServer.Bootstrap.PeriodicReconcile.RunAsync(ReconcileAsync, Period, time, logger, "root CA publishing", ct);

    internal async Task ReconcileAsync(CancellationToken ct)
    {
        var namespaces = catalog.Get("", "v1", "namespaces").Registration;
        var configMaps = catalog.Get("", "v1", "configmaps");
        var all = await storage.RangeAsync(new RangeRequest(namespaces.StoragePrefix), ct).ConfigureAwait(false);
        foreach (var kv in all.Items)
        {
            var ns = Json.ParseObject(kv.Value.Span);
            if (ns.Obj("metadata")?["deletionTimestamp"] is not null) continue;
            var name = ns.Obj("metadata").Str("name")!;
            var existing = await storage.GetAsync(configMaps.Registration.Key(name, ServiceAccountAdmission.RootCaConfigMap), ct).ConfigureAwait(false);
            if (existing is null)
            {
                try
                {
                    await configMaps.CreateAsync(name, Desired(), new WriteOptions { FieldManager = "root-ca-cert-publisher" }, ct).ConfigureAwait(false);
                }
                catch (ApiException e) when (e.Code is 409 or 403 or 404)
                {
                    // Created meanwhile, or the namespace is going away.
                }
                continue;
            }
            if (Json.ParseObject(existing.Value.Span).Obj("data").Str("ca.crt") == caPem) continue;
            await configMaps.UpdateAsync(name, ServiceAccountAdmission.RootCaConfigMap, UpdateKind.Main, current =>
            {
                current["data"] = new JsonObject { ["ca.crt"] = caPem };
                return current;
            }, new WriteOptions { FieldManager = "root-ca-cert-publisher" }, ct).ConfigureAwait(false);
        }
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
