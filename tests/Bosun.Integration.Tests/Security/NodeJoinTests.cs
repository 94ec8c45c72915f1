using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Bosun.ApiServer.Security.Bootstrap;
using Bosun.Client;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests.Security;

/// <summary>Bootstrap tokens, node client CSRs approved and signed by the server, and <see cref="NodeBootstrap.JoinAsync"/>.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class NodeJoinTests(ServerFixture fixture) : IDisposable
{
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "bosun-join-" + Guid.NewGuid().ToString("N")[..8]);

    private TestServer Server => fixture.Server;

    public void Dispose()
    {
        try { Directory.Delete(dataDir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private async Task<string> NewTokenAsync(TimeSpan? ttl = null)
    {
        var token = BootstrapToken.Generate();
        await Server.Client.CoreV1.CreateNamespacedSecretAsync(BootstrapToken.Secret(token, ttl ?? TimeSpan.FromHours(1), DateTimeOffset.UtcNow), "kube-system");
        return token;
    }

    private string CaHash()
    {
        using var ca = X509Certificate2.CreateFromPem(Server.Host.Pki.CaPem);
        return "sha256:" + NodeBootstrap.CaHashes(ca).PublicKey;
    }

    private static async Task<JsonObject> WhoAmIAsync(string kubeconfig)
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        using var resp = await client.HttpClient.PostAsync(client.BaseUri + "apis/authentication.k8s.io/v1/selfsubjectreviews",
            Errors.Json("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}"""));
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        return JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["status"]!["userInfo"]!.AsObject();
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Join_WithBootstrapTokenAndCaHash_GetsNodeIdentity()
    {
        var token = await NewTokenAsync();

        var kubeconfig = await NodeBootstrap.JoinAsync(Server.Host.Url, token, CaHash(), "worker-1", dataDir, CancellationToken.None);

        var user = await WhoAmIAsync(kubeconfig);
        Assert.Equal("system:node:worker-1", (string?)user["username"]);
        Assert.Equal(["system:nodes", "system:authenticated"], user["groups"]!.AsArray().Select(g => (string)g!));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "agent", "client.key")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(kubeconfig));

        var csrs = await Server.Client.CertificatesV1.ListCertificateSigningRequestAsync();
        var csr = Assert.Single(csrs.Items, c => c.Spec.Username == $"system:bootstrap:{token[..6]}");
        Assert.Contains(csr.Status.Conditions, c => c.Type == "Approved" && c.Reason == "AutoApproved");
        Assert.Contains("system:bootstrappers", csr.Spec.Groups);

        // Rejoining under the same name files a new request and works again.
        var again = await NodeBootstrap.JoinAsync(Server.Host.Url, token, CaHash(), "worker-1", dataDir, CancellationToken.None);
        Assert.Equal("system:node:worker-1", (string?)(await WhoAmIAsync(again))["username"]);
    }

    [Fact]
    public async Task Join_WrongCaHash_Refuses()
    {
        var token = await NewTokenAsync();
        var wrong = "sha256:" + new string('0', 64);

        var e = await Assert.ThrowsAsync<NodeBootstrapException>(() =>
            NodeBootstrap.JoinAsync(Server.Host.Url, token, wrong, "worker-2", dataDir, CancellationToken.None));

        Assert.Contains("refusing to join", e.Message);
        Assert.False(Directory.Exists(Path.Combine(dataDir, "agent")));
    }

    [Fact]
    public async Task BootstrapToken_MayOnlyFileCertificateRequests()
    {
        var token = await NewTokenAsync();
        using var http = TestServer.NewHttpClient(Server.Host.Url, token);

        using var resp = await http.GetAsync("/api/v1/namespaces/kube-system/secrets");

        Assert.Equal(HttpStatusCode.Forbidden, resp.StatusCode);
        Assert.Contains($"User \\\"system:bootstrap:{token[..6]}\\\" cannot list resource \\\"secrets\\\"", await resp.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CsrClaimingBootstrapperGroup_FromAnotherUser_IsNotApproved()
    {
        // An ordinary user writes spec.groups itself; the server replaces them with the real requester's.
        var alice = Server.Host.Pki.IssueClientCertificate("alice", [], TimeSpan.FromHours(1));
        using var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true, ClientCertificates = [X509CertificateLoader.LoadPkcs12(alice.Export(X509ContentType.Pkcs12), null)] },
        };
        await Server.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "alice-csr-" + Guid.NewGuid().ToString("N")[..6] },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "system:node-bootstrapper" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "alice", ApiGroup = "rbac.authorization.k8s.io" }],
        });
        using var http = new HttpClient(handler) { BaseAddress = Server.Host.Url };
        using var key = System.Security.Cryptography.ECDsa.Create();
        var pem = new CertificateRequest("CN=system:node:evil, O=system:nodes", key, System.Security.Cryptography.HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var body = Errors.Serialize(new
        {
            apiVersion = "certificates.k8s.io/v1",
            kind = "CertificateSigningRequest",
            metadata = new { generateName = "evil-" },
            spec = new
            {
                request = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(pem)),
                signerName = NodeBootstrap.KubeletClientSigner,
                usages = new[] { "client auth" },
                username = "system:bootstrap:abcdef",
                groups = new[] { "system:bootstrappers" },
            },
        });
        using var resp = await http.PostAsync("/apis/certificates.k8s.io/v1/certificatesigningrequests", Errors.Json(body));
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var name = (string)JsonNode.Parse(await resp.Content.ReadAsStringAsync())!["metadata"]!["name"]!;

        await Task.Delay(1500);   // several rounds of the CSR controller
        var csr = await Server.Client.CertificatesV1.ReadCertificateSigningRequestAsync(name);
        Assert.Equal("alice", csr.Spec.Username);
        Assert.Null(csr.Status?.Conditions);
        Assert.Null(csr.Status?.Certificate);
    }
}

/// <summary>The Node authorizer, with a joined node's own credentials.</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class NodeAuthorizerTests(ServerFixture fixture) : IDisposable
{
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "bosun-node-" + Guid.NewGuid().ToString("N")[..8]);

    private TestServer Server => fixture.Server;

    public void Dispose()
    {
        try { Directory.Delete(dataDir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    private async Task<Kubernetes> JoinAsync(string node)
    {
        var token = BootstrapToken.Generate();
        await Server.Client.CoreV1.CreateNamespacedSecretAsync(BootstrapToken.Secret(token, TimeSpan.FromHours(1), DateTimeOffset.UtcNow), "kube-system");
        using var ca = X509Certificate2.CreateFromPem(Server.Host.Pki.CaPem);
        var kubeconfig = await NodeBootstrap.JoinAsync(Server.Host.Url, token, NodeBootstrap.CaHashes(ca).Der, node, Path.Combine(dataDir, node), CancellationToken.None);
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
    }

    private async Task PodOnAsync(string ns, string name, string node, string secret) =>
        await Server.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                NodeName = node,
                Containers = [new V1Container { Name = "c", Image = "busybox", EnvFrom = [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = secret } }] }],
            },
        }, ns);

    [Fact]
    public async Task JoinedNode_ReadsSecretsOfItsPodsOnly_AndWritesOnlyItsOwnNode()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (mine, other) = ($"n1-{suffix}", $"n2-{suffix}");
        var ns = await Server.NewNamespaceAsync("node");
        foreach (var s in new[] { "mine", "theirs" })
            await Server.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = s }, StringData = new Dictionary<string, string> { ["k"] = s } }, ns);
        await PodOnAsync(ns, "a", mine, "mine");
        await PodOnAsync(ns, "b", other, "theirs");
        using var node = await JoinAsync(mine);

        var read = await node.CoreV1.ReadNamespacedSecretAsync("mine", ns);
        Assert.Equal("mine", System.Text.Encoding.UTF8.GetString(read.Data["k"]));

        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => node.CoreV1.ReadNamespacedSecretAsync("theirs", ns));
        Assert.Equal(HttpStatusCode.Forbidden, e.Response.StatusCode);
        Assert.Contains($"secrets \\\"theirs\\\" is forbidden: User \\\"system:node:{mine}\\\" cannot get resource \\\"secrets\\\" in API group \\\"\\\" in the namespace \\\"{ns}\\\": no relationship found between node '{mine}' and this object", e.Response.Content);

        var list = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => node.CoreV1.ListNamespacedSecretAsync(ns));
        Assert.Equal(HttpStatusCode.Forbidden, list.Response.StatusCode);

        await node.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = mine } });
        await Server.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = other } });
        var patch = new V1Patch("""{"metadata":{"labels":{"x":"y"}}}""", V1Patch.PatchType.MergePatch);
        await node.CoreV1.PatchNodeAsync(patch, mine);
        var foreign = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => node.CoreV1.PatchNodeAsync(patch, other));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.Response.StatusCode);
        Assert.NotEmpty((await node.CoreV1.ListNodeAsync()).Items);

        var deletePod = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => node.CoreV1.DeleteNamespacedPodAsync("b", ns));
        Assert.Equal(HttpStatusCode.Forbidden, deletePod.Response.StatusCode);
        await Server.Client.CoreV1.DeleteNodeAsync(mine);
        await Server.Client.CoreV1.DeleteNodeAsync(other);
    }

    [Fact]
    public async Task JoinedNode_ItsProxyDnsAndProvisionerMayListWhatTheyWatch_ButNotSecretsOrConfigMaps()
    {
        var mine = "n3-" + Guid.NewGuid().ToString("N")[..6];
        using var node = await JoinAsync(mine);

        // What the service proxy, the cluster DNS and the local-path provisioner list and watch.
        await node.CoreV1.ListServiceForAllNamespacesAsync();
        await node.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync();
        await node.CoreV1.ListNamespaceAsync();
        await node.CoreV1.ListPersistentVolumeClaimForAllNamespacesAsync();
        await node.CoreV1.ListPersistentVolumeAsync();
        await node.StorageV1.ListStorageClassAsync();

        foreach (var call in new Func<Task>[] { () => node.CoreV1.ListSecretForAllNamespacesAsync(), () => node.CoreV1.ListConfigMapForAllNamespacesAsync() })
        {
            var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(call);
            Assert.Equal(HttpStatusCode.Forbidden, e.Response.StatusCode);
        }
    }

    [Fact]
    public async Task JoinedNode_WritesItsOwnKubeDnsSliceOnly()
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (mine, other) = ($"n4-{suffix}", $"n5-{suffix}");
        using var node = await JoinAsync(mine);
        V1EndpointSlice Slice(string owner) => new()
        {
            Metadata = new V1ObjectMeta { Name = "kube-dns-" + owner, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "kube-dns" } },
            AddressType = "IPv4",
            Endpoints = [new V1Endpoint { Addresses = ["192.0.2.10"], NodeName = owner }],
        };

        var created = await node.DiscoveryV1.CreateNamespacedEndpointSliceAsync(Slice(mine), "kube-system");
        await node.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(created, created.Metadata.Name, "kube-system");
        await Server.Client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(Slice(other), "kube-system");

        var foreign = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => node.DiscoveryV1.DeleteNamespacedEndpointSliceAsync("kube-dns-" + other, "kube-system"));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.Response.StatusCode);
        Assert.Contains("can only write its own cluster DNS endpoint slice kube-system/kube-dns-" + mine, foreign.Response.Content);
        var elsewhere = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => node.DiscoveryV1.CreateNamespacedEndpointSliceAsync(Slice(mine), "default"));
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.Response.StatusCode);

        await node.DiscoveryV1.DeleteNamespacedEndpointSliceAsync("kube-dns-" + mine, "kube-system");
        await Server.Client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync("kube-dns-" + other, "kube-system");
    }
}
