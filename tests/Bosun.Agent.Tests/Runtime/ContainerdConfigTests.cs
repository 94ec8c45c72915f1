using Bosun.Agent.Runtime;

namespace Bosun.Agent.Tests.Runtime;

public sealed class ContainerdConfigTests
{
    private static readonly ContainerdLayout Layout = new(new AgentPaths("/var/lib/bosun"));

    [Fact]
    public void Render_KeepsEveryPathUnderTheAgentsContainerdDirectory()
    {
        var toml = ContainerdConfig.Render(Layout, "localhost/bosun/pause:1");

        Assert.Contains("root = \"/var/lib/bosun/agent/containerd/root\"", toml);
        Assert.Contains("state = \"/var/lib/bosun/agent/containerd/state\"", toml);
        Assert.Contains("[grpc]\n  address = \"/var/lib/bosun/agent/containerd/containerd.sock\"", toml);
        Assert.Contains("[ttrpc]\n  address = \"/var/lib/bosun/agent/containerd/containerd.sock.ttrpc\"", toml);
        Assert.Contains("Root = \"/var/lib/bosun/agent/containerd/runc-root\"", toml);
        Assert.Contains("config_path = \"/var/lib/bosun/agent/containerd/certs.d\"", toml);
    }

    [Fact]
    public void Render_SetsTheCriOptionsThisHostNeeds()
    {
        var toml = ContainerdConfig.Render(Layout, "localhost/bosun/pause:1");

        Assert.StartsWith("# Generated", toml);
        Assert.Contains("version = 2\n", toml);
        Assert.Contains("sandbox_image = \"localhost/bosun/pause:1\"", toml);
        Assert.Contains("restrict_oom_score_adj = true", toml);
        Assert.Contains("netns_mounts_under_state_dir = true", toml);
        Assert.Contains("stream_server_address = \"127.0.0.1\"\n  stream_server_port = \"0\"", toml);
        Assert.Contains("bin_dir = \"/usr/lib/cni\"", toml);
        Assert.Contains("conf_dir = \"/var/lib/bosun/agent/cni/net.d\"", toml);
        Assert.Contains("BinaryName = \"/usr/sbin/runc\"", toml);
        Assert.Contains("SystemdCgroup = false", toml);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b", "\"a\\\"b\"")]
    [InlineData("c:\\x", "\"c:\\\\x\"")]
    [InlineData("line\nbreak", "\"line\\nbreak\"")]
    public void Quote_EscapesTomlBasicStrings(string value, string expected) =>
        Assert.Equal(expected, ContainerdConfig.Quote(value));
}
