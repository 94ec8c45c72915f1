using Bosun.Testing;
using k8s.Models;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// What the controller manager would have made in a namespace before pods run there (the tests' TestCluster runs no
/// controllers): the <c>default</c> ServiceAccount and the <c>kube-root-ca.crt</c> ConfigMap with the cluster CA,
/// which every pod's projected service-account volume reads.
/// </summary>
internal static class ServiceAccountBasics
{
    public static async Task EnsureAsync(TestCluster cluster, string ns)
    {
        var ct = CancellationToken.None;
        if (await cluster.Api.TryGetAsync<V1ServiceAccount>(ns, "default", ct) is null)
            await cluster.Api.CreateAsync(ns, new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default" } }, ct);
        if (await cluster.Api.TryGetAsync<V1ConfigMap>(ns, "kube-root-ca.crt", ct) is null)
            await cluster.Api.CreateAsync(ns, new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = "kube-root-ca.crt" },
                Data = new Dictionary<string, string> { ["ca.crt"] = ClusterCa(cluster) },
            }, ct);
    }

    /// <summary>The CA from the admin kubeconfig (<c>certificate-authority-data</c>).</summary>
    private static string ClusterCa(TestCluster cluster)
    {
        var line = File.ReadLines(cluster.KubeconfigPath).First(l => l.TrimStart().StartsWith("certificate-authority-data:", StringComparison.Ordinal));
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(line.Split(':', 2)[1].Trim()));
    }
}
