using System.Text;
using Bosun.ApiServer.Security;
using k8s;

namespace Bosun.ApiServer.Tests.Security;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // File modes are a Unix concept.
public sealed class KubeconfigWriterTests(PkiFixture fixture) : IClassFixture<PkiFixture>, IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Write_ClientCert_CreatesDirectoryAnd0600FileThatKubernetesClientReads()
    {
        var path = _dir.Combine("nested", "admin.kubeconfig");
        var pki = fixture.Pki;

        KubeconfigWriter.Write(path, "https://127.0.0.1:6443", pki.CaPem, pki.AdminCertificatePem, pki.AdminKeyPem);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        Assert.Equal("https://127.0.0.1:6443", config.Host);
        Assert.Equal("default", config.CurrentContext);
        Assert.Equal(pki.AdminCertificatePem, Encoding.ASCII.GetString(Convert.FromBase64String(config.ClientCertificateData)));
        Assert.Equal(pki.AdminKeyPem, Encoding.ASCII.GetString(Convert.FromBase64String(config.ClientCertificateKeyData)));
        Assert.Equal(pki.CaCertificate.Thumbprint, Assert.Single(config.SslCaCerts).Thumbprint);
    }

    [Fact]
    public void WriteWithToken_Token_WritesTokenUserAndNamedCluster()
    {
        var path = _dir.Combine("token.kubeconfig");

        KubeconfigWriter.WriteWithToken(path, "https://10.0.0.5:6443", fixture.Pki.CaPem, "s3cr3t", clusterName: "bosun", user: "system:admin");

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        Assert.Equal("https://10.0.0.5:6443", config.Host);
        Assert.Equal("s3cr3t", config.AccessToken);
        Assert.Equal("bosun", config.CurrentContext);
        Assert.Contains("- name: \"system:admin\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void Write_ExistingFileWithLooseMode_ReplacesItWith0600()
    {
        var path = _dir.Combine("kubeconfig");
        File.WriteAllText(path, "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        KubeconfigWriter.WriteWithToken(path, "https://127.0.0.1:6443", fixture.Pki.CaPem, "t");

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }
}
