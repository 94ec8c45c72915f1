using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Bosun.Client;
using k8s.Models;

namespace Bosun.Agent.Pods;

/// <summary>
/// A short hash of a container's spec, stored on the CRI container (kubelet's <c>io.kubernetes.container.hash</c>):
/// a running container whose spec hash differs from the pod's is replaced. Resources are left out, as upstream does
/// since in-place resize, so a resize alone does not restart anything.
/// </summary>
internal static class ContainerHash
{
    public static string Of(V1Container container)
    {
        // Serialise rather than mutate: the container may belong to a shared informer cache.
        var node = JsonNode.Parse(ModelJson.Serialize(container))!.AsObject();
        node.Remove("resources");
        var bytes = Encoding.UTF8.GetBytes(node.ToJsonString());
        return Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 4));
    }
}
