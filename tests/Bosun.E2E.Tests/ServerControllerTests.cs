using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Bosun.E2E.Tests.Infrastructure;

namespace Bosun.E2E.Tests;

/// <summary>The API server's own controllers, driven with the real kubectl against the built binary.</summary>
[Trait("Category", "E2E")]
public sealed class ServerControllerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task KubectlCertificateApprove_CsrIsSigned_AsSeenByKubectlWatch()
    {
        var kubectl = fixture.Kubectl;
        var name = "jane-" + Guid.NewGuid().ToString("N")[..6];
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=jane, O=developers", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var manifest = $"""
            apiVersion: certificates.k8s.io/v1
            kind: CertificateSigningRequest
            metadata:
              name: {name}
            spec:
              request: {Convert.ToBase64String(Encoding.ASCII.GetBytes(request))}
              signerName: kubernetes.io/kube-apiserver-client
              usages: [client auth]
            """;
        (await kubectl.RunWithInputAsync(manifest, "create", "-f", "-")).Ok();
        using var watch = kubectl.Start("get", "csr", name, "-w", "--output-watch-events",
            "-o", "jsonpath={.type} {.object.status.conditions[0].type} {.object.status.certificate}{\"\\n\"}");
        await watch.WaitForLineAsync("^ADDED ", WatchTimeout);

        (await kubectl.RunAsync("certificate", "approve", name)).Ok();

        // base64 of "-----BEGIN CERTIFICATE": the signer wrote the certificate in reaction to the approval.
        await watch.WaitForLineAsync("^MODIFIED Approved LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS", WatchTimeout);
        var issued = (await kubectl.RunAsync("get", "csr", name, "-o", "jsonpath={.status.certificate}")).Ok().Stdout;
        using var cert = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(issued)));
        Assert.Equal("CN=jane, O=developers", cert.Subject);
    }
}
