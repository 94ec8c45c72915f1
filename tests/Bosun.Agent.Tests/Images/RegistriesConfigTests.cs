using Bosun.Agent.Images;

namespace Bosun.Agent.Tests.Images;

public sealed class RegistriesConfigTests
{
    [Fact]
    public void ToHostsToml_DockerHubMirror_PointsPullsAtTheMirror()
    {
        var config = RegistriesConfig.Parse("""
            mirrors:
              docker.io:
                endpoint:
                  - "http://127.0.0.1:5000"
            """);

        var files = config.ToHostsToml();

        Assert.Equal(["docker.io"], files.Keys);
        Assert.Equal("""
            server = "https://registry-1.docker.io"

            [host."http://127.0.0.1:5000"]
              capabilities = ["pull", "resolve"]

            """.ReplaceLineEndings("\n"), files["docker.io"]);
    }

    [Fact]
    public void ToHostsToml_ConfigsTlsAppliesToTheMirrorEndpointAndItsOwnHost()
    {
        var config = RegistriesConfig.Parse("""
            mirrors:
              "*":
                endpoint: ["https://harbor.local:8443/"]
            configs:
              "harbor.local:8443":
                tls:
                  insecure_skip_verify: true
                  ca_file: /etc/ca.crt
                  cert_file: /etc/c.crt
                  key_file: /etc/c.key
                auth:
                  username: admin
                  password: secret
            """);

        var files = config.ToHostsToml();

        Assert.Equal(["_default", "harbor.local:8443"], files.Keys);
        Assert.Contains("[host.\"https://harbor.local:8443\"]\n  capabilities = [\"pull\", \"resolve\"]\n  skip_verify = true\n  ca = \"/etc/ca.crt\"\n  client = [[\"/etc/c.crt\", \"/etc/c.key\"]]", files["_default"]);
        Assert.StartsWith("server = \"https://harbor.local:8443\"\nskip_verify = true\n", files["harbor.local:8443"]);
        Assert.DoesNotContain("secret", string.Concat(files.Values));   // credentials go in PullImage, never on disk
        Assert.Equal(("admin", "secret"), (config.AuthFor("harbor.local:8443")!.Username, config.AuthFor("harbor.local:8443")!.Password));
        Assert.Null(config.AuthFor("docker.io"));
    }

    [Theory]
    [InlineData("mirrors: [a, b]", "mirrors must be a mapping")]
    [InlineData("mirrors:\n  docker.io:\n    endpoint: http://x", "mirrors.docker.io.endpoint must be a list")]
    [InlineData("mirrors:\n  docker.io:\n    endpoint: [\"ftp://x\"]", "\"ftp://x\" is not an http(s) URL")]
    public void Parse_BadShape_NamesTheKey(string yaml, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => RegistriesConfig.Parse(yaml)).Message);

    [Fact]
    public void WriteHostsToml_ReplacesHostsFromAnEarlierConfig()
    {
        var dir = Directory.CreateTempSubdirectory("bosun-certs-");
        try
        {
            RegistriesConfig.Parse("mirrors:\n  quay.io:\n    endpoint: [\"http://127.0.0.1:5001\"]").WriteHostsToml(dir.FullName);
            RegistriesConfig.Parse("mirrors:\n  docker.io:\n    endpoint: [\"http://127.0.0.1:5000\"]").WriteHostsToml(dir.FullName);

            Assert.Equal(["docker.io"], Directory.GetDirectories(dir.FullName).Select(Path.GetFileName));
            Assert.Contains("127.0.0.1:5000", File.ReadAllText(Path.Combine(dir.FullName, "docker.io", "hosts.toml")));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("docker.io", "https://registry-1.docker.io")]
    [InlineData("quay.io", "https://quay.io")]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000")]
    [InlineData("localhost:5000", "http://localhost:5000")]
    [InlineData("[::1]:5000", "http://[::1]:5000")]
    public void Upstream_LoopbackRegistriesArePlainHttp(string host, string expected) =>
        Assert.Equal(expected, RegistriesConfig.Upstream(host));

    [Fact]
    public void Parse_Empty_HasNoHosts() => Assert.Empty(RegistriesConfig.Parse("").ToHostsToml());
}
