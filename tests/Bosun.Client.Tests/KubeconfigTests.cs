using System.Text;

namespace Bosun.Client.Tests;

/// <summary>The kubeconfig reader: the current context's server, CA and credentials, inline or from files, and clear errors.</summary>
public sealed class KubeconfigTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("bosun-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    private static string TwoContexts(string current) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: a
          cluster:
            server: https://127.0.0.1:6443
            certificate-authority-data: {B64("CA-A")}
        - name: b
          cluster:
            server: https://127.0.0.2:7443
            insecure-skip-tls-verify: true
        contexts:
        - name: ctx-a
          context: {"{"}cluster: a, user: alice{"}"}
        - name: ctx-b
          context: {"{"}cluster: b, user: bob{"}"}
        current-context: {current}
        users:
        - name: alice
          user:
            client-certificate-data: {B64("CERT")}
            client-key-data: {B64("KEY")}
        - name: bob
          user:
            token: "abc.123"
        """;

    [Fact]
    public void CurrentContext_SelectsItsClusterAndUser()
    {
        var a = Kubeconfig.Parse(TwoContexts("ctx-a"), dir);
        Assert.Equal(new Uri("https://127.0.0.1:6443"), a.Server);
        Assert.Equal("CA-A", a.CertificateAuthorityPem);
        Assert.False(a.InsecureSkipTlsVerify);
        Assert.Equal(("CERT", "KEY"), (a.ClientCertificatePem, a.ClientKeyPem));
        Assert.Null(a.Token);

        var b = Kubeconfig.Parse(TwoContexts("ctx-b"), dir);
        Assert.Equal(new Uri("https://127.0.0.2:7443"), b.Server);
        Assert.Null(b.CertificateAuthorityPem);
        Assert.True(b.InsecureSkipTlsVerify);
        Assert.Equal("abc.123", b.Token);
        Assert.Null(b.ClientCertificatePem);
    }

    [Fact]
    public void FileReferences_ResolveRelativeToTheKubeconfig()
    {
        File.WriteAllText(Path.Combine(dir, "ca.crt"), "CA-FILE");
        File.WriteAllText(Path.Combine(dir, "token"), "from-file\n");
        var path = Path.Combine(dir, "config");
        File.WriteAllText(path, """
            clusters:
            - name: c
              cluster: {server: "https://localhost:6443", certificate-authority: ca.crt}
            contexts:
            - name: only
              context: {cluster: c, user: u}
            users:
            - name: u
              user: {tokenFile: token}
            """);

        var config = Kubeconfig.Load(path);

        Assert.Equal("CA-FILE", config.CertificateAuthorityPem);
        Assert.Equal("from-file", config.Token);
    }

    [Theory]
    [InlineData("ctx-x", "context \"ctx-x\" does not exist")]
    [InlineData("ctx-a\nclusters: []", "error converting YAML to JSON")]
    public void UnknownContextOrBrokenYaml_IsAClearError(string current, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => Kubeconfig.Parse(TwoContexts(current), dir, "test.kubeconfig"));
        Assert.StartsWith("kubeconfig test.kubeconfig: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void TwoContextsWithoutCurrentContext_IsAnError()
    {
        var yaml = TwoContexts("ctx-a").Replace("current-context: ctx-a", "current-context: \"\"");
        var e = Assert.Throws<InvalidDataException>(() => Kubeconfig.Parse(yaml, dir));
        Assert.Contains("current-context is not set", e.Message);
    }

    [Fact]
    public void ExecCredentials_AreRejectedByName()
    {
        var yaml = TwoContexts("ctx-b").Replace("token: \"abc.123\"", "exec: {command: aws}");
        var e = Assert.Throws<InvalidDataException>(() => Kubeconfig.Parse(yaml, dir));
        Assert.Contains("user \"bob\" uses exec or auth-provider credentials", e.Message);
    }

    [Theory]
    [InlineData("server: ftp://x", "is not an http(s) URL")]
    [InlineData("certificate-authority-data: '%%%'", "certificate-authority-data is not valid base64")]
    [InlineData("certificate-authority: missing.crt", "missing.crt")]
    public void BadClusterFields_AreClearErrors(string field, string message)
    {
        var yaml = $$"""
            clusters:
            - name: c
              cluster: {server: "https://localhost:6443"}
            contexts:
            - name: only
              context: {cluster: c}
            """.Replace("{server: \"https://localhost:6443\"}", field.StartsWith("server") ? "{" + field + "}" : "{server: \"https://localhost:6443\", " + field + "}");
        var e = Assert.Throws<InvalidDataException>(() => Kubeconfig.Parse(yaml, dir));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void NotYaml_IsAClearError()
    {
        var e = Assert.Throws<InvalidDataException>(() => Kubeconfig.Parse("clusters: [unclosed", dir, "x"));
        Assert.StartsWith("kubeconfig x: error converting YAML to JSON", e.Message);
    }

    [Fact]
    public void MissingFile_IsAClearError()
    {
        var path = Path.Combine(dir, "absent");
        var e = Assert.Throws<InvalidDataException>(() => Kubeconfig.Load(path));
        Assert.StartsWith($"kubeconfig {path}: ", e.Message);
    }
}
