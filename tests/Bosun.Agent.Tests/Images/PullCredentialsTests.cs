using System.Text;
using Bosun.Agent.Images;

namespace Bosun.Agent.Tests.Images;

public sealed class PullCredentialsTests
{
    private static Dictionary<string, byte[]> DockerConfigJson(string json) => new() { [".dockerconfigjson"] = Encoding.UTF8.GetBytes(json) };

    private static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Parse_DockerConfigJson_ReadsAuthAndUsernamePassword()
    {
        var json = "{\"auths\": {\"reg.local:5000\": {\"auth\": \"" + B64("alice:pa:ss") + "\"}, "
            + "\"https://index.docker.io/v1/\": {\"username\": \"bob\", \"password\": \"pw\"}}}";
        var creds = DockerConfigAuths.Parse(DockerConfigJson(json));

        Assert.Equal([new DockerCredential("reg.local:5000", "alice", "pa:ss"), new DockerCredential("https://index.docker.io/v1/", "bob", "pw")], creds);
    }

    [Fact]
    public void Parse_LegacyDockerCfg_IsTheMapWithoutAuths()
    {
        var creds = DockerConfigAuths.Parse(new Dictionary<string, byte[]> { [".dockercfg"] = Encoding.UTF8.GetBytes($$$"""{"reg.local": {"auth": "{{{B64("u:p")}}}"}}""") });

        Assert.Equal([new DockerCredential("reg.local", "u", "p")], creds);
    }

    [Fact]
    public void Parse_MalformedJson_FormatException()
    {
        Assert.Throws<FormatException>(() => DockerConfigAuths.Parse(DockerConfigJson("{not json")));
    }

    [Theory]
    [InlineData("reg.local/app:v1", "reg.local", true)]
    [InlineData("reg.local/team/app:v1", "https://reg.local/team", true)]
    [InlineData("reg.local/other/app:v1", "reg.local/team", false)]
    [InlineData("reg.local:5000/app", "reg.local", false)]
    [InlineData("eu.reg.local/app", "*.reg.local", true)]
    [InlineData("a.b.reg.local/app", "*.reg.local", false)]
    [InlineData("busybox", "https://index.docker.io/v1/", true)]
    [InlineData("library/busybox:1", "docker.io", true)]
    [InlineData("other.local/app", "reg.local", false)]
    public void Matching_FollowsTheKubeletKeyring(string image, string key, bool matches)
    {
        var credential = new DockerCredential(key, "u", "p");

        Assert.Equal(matches, DockerConfigAuths.Matching([credential], image).Any());
    }

    [Fact]
    public void For_PullSecretsMatching_TriedMostSpecificFirst_NodeAuthNotUsed()
    {
        var registries = RegistriesConfig.Parse("configs:\n  reg.local:\n    auth: {username: node, password: n}\n");
        var creds = PullCredentials.For("reg.local/team/app:v1", registries,
            [new DockerCredential("reg.local", "general", "g"), new DockerCredential("reg.local/team", "team", "t"), new DockerCredential("x.local", "x", "x")]);

        Assert.Equal(["team", "general"], creds.Select(c => c!.Username));
        Assert.All(creds, c => Assert.Equal("", c!.ServerAddress));
    }

    [Fact]
    public void For_NoMatchingSecret_UsesRegistriesYamlAuthOfTheMirrorEndpoint()
    {
        var registries = RegistriesConfig.Parse("""
            mirrors:
              myreg.local:
                endpoint: ["http://127.0.0.1:5000"]
            configs:
              "127.0.0.1:5000":
                auth: {username: alice, password: secret}
            """);

        var creds = PullCredentials.For("myreg.local/myapp:v1", registries, [new DockerCredential("other.local", "x", "y")]);

        var auth = Assert.Single(creds);
        Assert.Equal(("alice", "secret"), (auth!.Username, auth.Password));
    }

    [Fact]
    public void For_NothingConfigured_OneAnonymousPull()
    {
        Assert.Equal([null], PullCredentials.For("myreg.local/myapp:v1", new RegistriesConfig(), []));
    }
}

public sealed class RegistriesConfigTlsTests
{
    [Fact]
    public void ToHostsToml_LoopbackRegistryWithTlsConfig_IsHttpsWithItsCa()
    {
        var config = RegistriesConfig.Parse("configs:\n  \"127.0.0.1:5443\":\n    tls:\n      ca_file: /etc/ca.crt\n  \"127.0.0.1:5000\": {}\n");

        var files = config.ToHostsToml();

        Assert.Equal("server = \"https://127.0.0.1:5443\"\nca = \"/etc/ca.crt\"\n", files["127.0.0.1:5443"].ReplaceLineEndings("\n"));
        Assert.Equal("server = \"http://127.0.0.1:5000\"\n", files["127.0.0.1:5000"].ReplaceLineEndings("\n"));
    }
}
