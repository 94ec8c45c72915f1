using System.Security.Cryptography.X509Certificates;
using Bosun.ApiServer.Security.Bootstrap;
using Bosun.Client;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests.Security;

/// <summary>A joined node renews its client certificate through a CSR of its own before expiry (kubelet's certificate manager).</summary>
[Trait("Category", "Integration")]
[Collection("server")]
public sealed class NodeCertificateRenewalTests(ServerFixture fixture) : IDisposable
{
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "bosun-renew-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(dataDir, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    /// <summary>The real clock moved by a fixed amount: the certificate looks old to the manager while the server signs at real time.</summary>
    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }

    private async Task<string> JoinAsync(string node)
    {
        var server = fixture.Server;
        var token = BootstrapToken.Generate();
        await server.Client.CoreV1.CreateNamespacedSecretAsync(BootstrapToken.Secret(token, TimeSpan.FromHours(1), DateTimeOffset.UtcNow), "kube-system");
        using var ca = X509Certificate2.CreateFromPem(server.Host.Pki.CaPem);
        return await NodeBootstrap.JoinAsync(server.Host.Url, token, "sha256:" + NodeBootstrap.CaHashes(ca).Der, node, dataDir, CancellationToken.None);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task IsDue_OnlyInTheLastThirdOfTheLifetime()
    {
        var kubeconfig = await JoinAsync("renew-due");
        Assert.True(File.Exists(kubeconfig));
        Assert.False(NodeCertificateManager.Load(dataDir, fixture.Server.Host.Url, TimeProvider.System).IsDue());
        Assert.False(NodeCertificateManager.Load(dataDir, fixture.Server.Host.Url, new ShiftedTime(TimeSpan.FromDays(250))).IsDue());
        Assert.True(NodeCertificateManager.Load(dataDir, fixture.Server.Host.Url, new ShiftedTime(TimeSpan.FromDays(260))).IsDue());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Renew_WithTheNodesOwnCredential_GetsANewCertificate_WritesIt_AndTheClientKeepsWorking()
    {
        var kubeconfig = await JoinAsync("renew-1");
        var manager = NodeCertificateManager.Load(dataDir, fixture.Server.Host.Url, new ShiftedTime(TimeSpan.FromDays(300)));
        var before = manager.Current.SerialNumber;
        using var api = manager.CreateClient("bosun-test-agent");
        Assert.Null(await api.TryGetAsync<V1Node>(null, "renew-1", CancellationToken.None));

        await manager.RenewAsync(api, CancellationToken.None);

        Assert.NotEqual(before, manager.Current.SerialNumber);
        Assert.Equal("O=system:nodes, CN=system:node:renew-1", manager.Current.Subject);
        using var onDisk = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(dataDir, "agent", "client.crt")));
        Assert.Equal(manager.Current.Thumbprint, onDisk.Thumbprint);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "agent", "client.key")));
        Assert.Null(await api.TryGetAsync<V1Node>(null, "renew-1", CancellationToken.None));
        // The rewritten kubeconfig carries the new certificate and still authenticates as the node.
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
        Assert.Equal("system:node:renew-1", review.Status.UserInfo.Username);
        // The server recorded the request as the node renewing itself, not as a bootstrapper.
        var csrs = await fixture.Server.Client.CertificatesV1.ListCertificateSigningRequestAsync();
        Assert.Contains(csrs.Items, c => c.Spec.Username == "system:node:renew-1");
    }
}
