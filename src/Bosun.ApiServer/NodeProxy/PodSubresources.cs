using Bosun.ApiServer.Registry;
using Microsoft.AspNetCore.Http;

namespace Bosun.ApiServer.NodeProxy;

/// <summary>The pod subresources served by a node agent: <c>log</c>, <c>exec</c>, <c>attach</c>, <c>portforward</c>.</summary>
internal sealed class PodSubresources(ResourceCatalog catalog, KubeletClient kubelets)
{
    private readonly PodLogProxy logs = new(catalog, kubelets);
    private readonly PodUpgradeProxy upgrades = new(catalog, kubelets);

    public static bool Serves(string group, string resource, string? subresource) =>
        group.Length == 0 && resource == "pods" && subresource is "log" or "exec" or "attach" or "portforward";

    public Task HandleAsync(HttpContext ctx, string ns, string name, string subresource) => subresource == "log"
        ? logs.HandleAsync(ctx, ns, name)
        : upgrades.HandleAsync(ctx, ns, name, subresource);
}
