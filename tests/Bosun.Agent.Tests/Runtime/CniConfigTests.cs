using System.Text.Json.Nodes;
using Bosun.Agent.Runtime;

namespace Bosun.Agent.Tests.Runtime;

public sealed class CniConfigTests
{
    [Fact]
    public void Render_HostGwPodNetwork_BridgeDoesNotMasquerade()
    {
        var json = JsonNode.Parse(CniConfig.Render("10.244.3.0/24", "bosun0", "/x", ipMasq: false))!;

        Assert.False((bool?)json["plugins"]![0]!["ipMasq"]);
    }

    [Fact]
    public void Render_BridgeWithGatewayMasqHairpin_HostLocalForThePodCidr_ThenPortmap()
    {
        var json = JsonNode.Parse(CniConfig.Render("10.244.3.0/24", "bosun0", "/d/agent/cni/ipam"))!;

        Assert.Equal("1.0.0", (string?)json["cniVersion"]);
        Assert.Equal("bosun", (string?)json["name"]);
        var plugins = json["plugins"]!.AsArray();
        Assert.Equal(["bridge", "portmap"], plugins.Select(p => (string?)p!["type"]));   // loopback is added by containerd
        var bridge = plugins[0]!;
        Assert.Equal("bosun0", (string?)bridge["bridge"]);
        Assert.True((bool?)bridge["isGateway"]);
        Assert.True((bool?)bridge["ipMasq"]);
        Assert.True((bool?)bridge["hairpinMode"]);
        var ipam = bridge["ipam"]!;
        Assert.Equal("host-local", (string?)ipam["type"]);
        Assert.Equal("10.244.3.0/24", (string?)ipam["ranges"]![0]![0]!["subnet"]);
        Assert.Equal("10.244.3.1", (string?)ipam["ranges"]![0]![0]!["gateway"]);
        Assert.Equal("0.0.0.0/0", (string?)ipam["routes"]![0]!["dst"]);
        Assert.Equal("/d/agent/cni/ipam", (string?)ipam["dataDir"]);
        Assert.True((bool?)plugins[1]!["capabilities"]!["portMappings"]);
        Assert.True((bool?)plugins[1]!["snat"]);
    }

    [Fact]
    public void ReadPodCidr_OfARenderedConflist_IsItsPodCidr_AndNullForOthers()
    {
        Assert.Equal("10.244.7.0/24", CniConfig.ReadPodCidr(CniConfig.Render("10.244.7.0/24", "bosun0", "/x")));
        Assert.Null(CniConfig.ReadPodCidr("{\"plugins\":[{\"type\":\"ptp\"}]}"));
        Assert.Null(CniConfig.ReadPodCidr("not json"));
    }

    [Theory]
    [InlineData("10.244.0.0", "podCIDR must be an IPv4 network")]
    [InlineData("fd00::/64", "podCIDR must be an IPv4 network")]
    [InlineData("10.244.0.0/31", "too small")]
    public void Render_BadPodCidr_Throws(string podCidr, string message) =>
        Assert.Contains(message, Assert.Throws<ArgumentException>(() => CniConfig.Render(podCidr, "bosun0", "/x")).Message);

    [Theory]
    [InlineData("")]
    [InlineData("a-bridge-name-too-long")]
    [InlineData("br 0")]
    public void Render_BadBridgeName_Throws(string bridge) =>
        Assert.Contains("bridge name", Assert.Throws<ArgumentException>(() => CniConfig.Render("10.1.0.0/24", bridge, "/x")).Message);

    [Fact]
    public void Write_RewritesOnlyWhenThePodCidrChanges()
    {
        var dir = Directory.CreateTempSubdirectory("bosun-cni-");
        try
        {
            var paths = new AgentPaths(dir.FullName);
            var file = Path.Combine(paths.CniConfigDir, CniConfig.FileName);

            Assert.True(CniConfig.Write(paths, "10.88.0.0/24", "br-t1"));
            Assert.False(CniConfig.Write(paths, "10.88.0.0/24", "br-t1"));
            Assert.Contains("10.88.0.0/24", File.ReadAllText(file));

            Assert.True(CniConfig.Write(paths, "10.88.1.0/24", "br-t1"));
            Assert.Contains("10.88.1.0/24", File.ReadAllText(file));
            Assert.Single(Directory.GetFiles(paths.CniConfigDir));   // no temp file left behind
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
