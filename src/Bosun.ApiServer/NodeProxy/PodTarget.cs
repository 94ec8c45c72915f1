using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.Registry;

namespace Bosun.ApiServer.NodeProxy;

/// <summary>The pod a streaming or log request is for, its (defaulted, checked) container, and its node's agent.</summary>
internal sealed record PodTarget(JsonObject Pod, string Namespace, string Name, string? Container, KubeletEndpoint Endpoint)
{
    /// <summary>
    /// Loads the pod and its node and checks the container with kube-apiserver's messages (pod strategy
    /// <c>validateContainer</c>, <c>streamLocation</c>). <paramref name="needsContainer"/> is false for port-forward.
    /// </summary>
    public static async Task<PodTarget?> ResolveAsync(ResourceCatalog catalog, string ns, string name, string? container, bool needsContainer,
        CancellationToken ct, bool unscheduledIsEmpty = false)
    {
        var pod = await catalog.Get("", "v1", "pods").GetAsync(ns, name, ct);
        var spec = pod.Obj("spec");
        if (needsContainer) container = ValidateContainer(spec, name, container);
        var nodeName = spec.Str("nodeName");
        if (string.IsNullOrEmpty(nodeName))
            return unscheduledIsEmpty ? null : throw ApiException.BadRequest($"pod {name} does not have a host assigned");
        JsonObject node;
        try { node = await catalog.Get("", "v1", "nodes").GetAsync(null, nodeName, ct); }
        catch (ApiException e) when (e.Code == 404)
        {
            throw ApiException.ServiceUnavailable($"node \"{nodeName}\" of pod {name} not found");
        }
        return new PodTarget(pod, ns, name, container, AgentEndpoint(node, nodeName));
    }

    internal static string ValidateContainer(JsonObject? spec, string pod, string? container)
    {
        var containers = Names(spec.Arr("containers"));
        var inits = Names(spec.Arr("initContainers"));
        var ephemeral = Names(spec.Arr("ephemeralContainers"));
        if (string.IsNullOrEmpty(container))
        {
            if (containers.Count == 1) return containers[0];
            if (containers.Count == 0) throw ApiException.BadRequest($"a container name must be specified for pod {pod}");
            var message = $"a container name must be specified for pod {pod}, choose one of: [{string.Join(" ", containers)}]";
            if (inits.Count > 0) message += $" or one of the init containers: [{string.Join(" ", inits)}]";
            if (ephemeral.Count > 0) message += $" or one of the ephemeral containers: [{string.Join(" ", ephemeral)}]";
            throw ApiException.BadRequest(message);
        }
        if (!containers.Contains(container) && !inits.Contains(container) && !ephemeral.Contains(container))
            throw ApiException.BadRequest($"container {container} is not valid for pod {pod}");
        return container;
    }

    /// <summary>The node's InternalIP (then ExternalIP, then Hostname) and its agent port.</summary>
    internal static KubeletEndpoint AgentEndpoint(JsonObject node, string nodeName)
    {
        var status = node.Obj("status");
        var addresses = (status.Arr("addresses") ?? []).OfType<JsonObject>().ToList();
        string? Find(string type) => addresses.FirstOrDefault(a => a.Str("type") == type)?.Str("address");
        var host = Find("InternalIP") ?? Find("ExternalIP") ?? Find("Hostname");
        var port = status.Obj("daemonEndpoints").Obj("kubeletEndpoint")?["Port"]?.GetValue<int>() ?? 0;
        if (string.IsNullOrEmpty(host))
            throw ApiException.ServiceUnavailable($"node \"{nodeName}\" has no address; known addresses: []");
        if (port is <= 0 or > 65535)
            throw ApiException.ServiceUnavailable($"node \"{nodeName}\" does not report its kubelet port (status.daemonEndpoints.kubeletEndpoint.Port)");
        return new KubeletEndpoint(host, port);
    }

    private static List<string> Names(JsonArray? list) =>
        (list ?? []).OfType<JsonObject>().Select(c => c.Str("name")).OfType<string>().ToList();
}
