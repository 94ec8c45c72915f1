using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Bootstrap;

/// <summary>The namespaces every cluster has from its first start.</summary>
internal static class DefaultNamespaces
{
    public static readonly string[] Names = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static async Task EnsureAsync(ResourceCatalog catalog, CancellationToken ct)
    {
        var namespaces = catalog.Get("", "v1", "namespaces");
        foreach (var name in Names)
        {
            try
            {
                var obj = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } };
                await namespaces.CreateAsync(null, obj, new WriteOptions(), ct);
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Already there from an earlier start.
            }
        }
    }
}
