using System.Text.Json.Nodes;
using Bosun.Api;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Bootstrap;

/// <summary>
/// The built-in <c>local-path</c> StorageClass every cluster has from its first start (as k3s ships one): directories
/// on the pod's node, made when the claim's first pod is scheduled, deleted with the claim. Created when missing at
/// each start, like the default namespaces; an existing one (perhaps changed by the administrator) is left as it is.
/// </summary>
internal static class DefaultStorageClass
{
    public static JsonObject Object() => new()
    {
        ["apiVersion"] = "storage.k8s.io/v1",
        ["kind"] = "StorageClass",
        ["metadata"] = new JsonObject
        {
            ["name"] = StorageAnnotations.LocalPathClass,
            ["annotations"] = new JsonObject { [StorageAnnotations.IsDefaultClass] = "true" },
        },
        ["provisioner"] = StorageAnnotations.LocalPathProvisioner,
        ["reclaimPolicy"] = "Delete",
        ["volumeBindingMode"] = StorageAnnotations.WaitForFirstConsumer,
    };

    public static async Task EnsureAsync(ResourceCatalog catalog, CancellationToken ct)
    {
        try
        {
            await catalog.Get("storage.k8s.io", "v1", "storageclasses").CreateAsync(null, Object(), new WriteOptions(), ct);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            // Already there from an earlier start; the administrator's changes to it are kept.
        }
    }
}
