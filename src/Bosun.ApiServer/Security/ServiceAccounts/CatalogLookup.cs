using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.Security.ServiceAccounts;

/// <summary>Reads core/v1 objects from the API server's own stores (a key lookup in the datastore).</summary>
internal sealed class CatalogLookup(ResourceCatalog catalog) : IObjectLookup
{
    public async Task<JsonObject?> GetAsync(string resource, string? ns, string name, CancellationToken ct)
    {
        try
        {
            return await catalog.Get("", "v1", resource).GetAsync(ns, name, ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code is 404 or 400 or 422)
        {
            return null;
        }
    }
}
