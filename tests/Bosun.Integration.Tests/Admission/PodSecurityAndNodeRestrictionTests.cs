using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Security.Bootstrap;
using Bosun.Client;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests.Admission;

/// <summary>PodSecurity (enforce refusal, warn headers) and NodeRestriction (with a joined node's own credentials) over HTTPS.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class PodSecurityAndNodeRestrictionTests(ServerFixture fixture) : IDisposable
{
    private const string PrivilegedPod = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"x","image":"busybox","securityContext":{"privileged":true}}]}}""";
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "bosun-noderestriction-" + Guid.NewGuid().ToString("N")[..8]);

    private TestServer Server => fixture.Server;

    public void Dispose()
    {
        try { Directory.Delete(dataDir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private async Task<string> NamespaceAsync(Dictionary<string, string> labels)
    {
        var ns = await Server.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { GenerateName = "psa-", Labels = labels } });
        return ns.Metadata.Name;
    }

    [Fact]
    public async Task EnforceRestricted_RefusesPrivilegedPod_WithUpstreamsStatus()
    {
        var ns = await NamespaceAsync(new() { ["pod-security.kubernetes.io/enforce"] = "restricted" });

        using var resp = await Server.Http.PostAsync($"/api/v1/namespaces/{ns}/pods", Errors.Json(PrivilegedPod));

        Assert.Equal(HttpStatusCode.Forbidden, resp.StatusCode);
        var status = JsonNode.Parse(await resp.Content.ReadAsStringAsync())!;
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.StartsWith("pods \"x\" is forbidden: violates PodSecurity \"restricted:latest\": privileged (container \"x\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false",
            (string?)status["message"]);
    }

    [Fact]
    public async Task WarnBaseline_AdmitsPod_WithWarningHeader()
    {
        var ns = await NamespaceAsync(new() { ["pod-security.kubernetes.io/warn"] = "baseline" });

        using var resp = await Server.Http.PostAsync($"/api/v1/namespaces/{ns}/pods", Errors.Json(PrivilegedPod));

        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        Assert.Equal(["299 - \"would violate PodSecurity \\\"baseline:latest\\\": privileged (container \\\"x\\\" must not set securityContext.privileged=true)\""],
            resp.Headers.GetValues("Warning"));
    }

    [Fact]
    public async Task JoinedNode_CannotCreateOrdinaryPods_OrGiveItselfRestrictedLabels()
    {
        var node = "nr-" + Guid.NewGuid().ToString("N")[..6];
        var ns = await Server.NewNamespaceAsync("nr");
        using var client = await JoinAsync(node);

        var pod = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "sneaky" },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        }, ns));
        Assert.Equal(HttpStatusCode.Forbidden, pod.Response.StatusCode);
        Assert.Contains($"pod does not have \\\"kubernetes.io/config.mirror\\\" annotation, node \\\"{node}\\\" can only create mirror pods", pod.Response.Content);

        var labelled = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => client.CoreV1.CreateNodeAsync(new V1Node
        {
            Metadata = new V1ObjectMeta { Name = node, Labels = new Dictionary<string, string> { ["node-role.kubernetes.io/control-plane"] = "" } },
        }));
        Assert.Equal(HttpStatusCode.Forbidden, labelled.Response.StatusCode);
        Assert.Contains($"node \\\"{node}\\\" is not allowed to set the following labels: node-role.kubernetes.io/control-plane", labelled.Response.Content);

        await client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = node, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = node } } });
        await Server.Client.CoreV1.DeleteNodeAsync(node);
    }

    private async Task<Kubernetes> JoinAsync(string node)
    {
        var token = BootstrapToken.Generate();
        await Server.Client.CoreV1.CreateNamespacedSecretAsync(BootstrapToken.Secret(token, TimeSpan.FromHours(1), DateTimeOffset.UtcNow), "kube-system");
        using var ca = X509Certificate2.CreateFromPem(Server.Host.Pki.CaPem);
        var kubeconfig = await NodeBootstrap.JoinAsync(Server.Host.Url, token, NodeBootstrap.CaHashes(ca).Der, node, Path.Combine(dataDir, node), CancellationToken.None);
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    }
}
