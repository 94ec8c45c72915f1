using System.Text.Json.Nodes;
using Bosun.ApiServer.Errors;
using Bosun.ApiServer.NodeProxy;

namespace Bosun.ApiServer.Tests.NodeProxy;

public sealed class PodTargetTests
{
    private static JsonObject Spec(string[] containers, string[]? inits = null) => new()
    {
        ["containers"] = new JsonArray(containers.Select(c => (JsonNode)new JsonObject { ["name"] = c }).ToArray()),
        ["initContainers"] = new JsonArray((inits ?? []).Select(c => (JsonNode)new JsonObject { ["name"] = c }).ToArray()),
    };

    [Fact]
    public void A_single_container_is_the_default()
    {
        Assert.Equal("app", PodTarget.ValidateContainer(Spec(["app"]), "p", null));
        Assert.Equal("app", PodTarget.ValidateContainer(Spec(["app"]), "p", ""));
    }

    [Fact]
    public void Several_containers_need_a_name_and_the_message_lists_them_and_the_init_containers()
    {
        var e = Assert.Throws<ApiException>(() => PodTarget.ValidateContainer(Spec(["a", "b"], ["init"]), "p", null));
        Assert.Equal(400, e.Code);
        Assert.Equal("a container name must be specified for pod p, choose one of: [a b] or one of the init containers: [init]", e.Message);
    }

    [Fact]
    public void An_init_container_may_be_named_but_an_unknown_one_is_invalid()
    {
        Assert.Equal("init", PodTarget.ValidateContainer(Spec(["a"], ["init"]), "p", "init"));
        var e = Assert.Throws<ApiException>(() => PodTarget.ValidateContainer(Spec(["a"]), "p", "x"));
        Assert.Equal("container x is not valid for pod p", e.Message);
    }

    [Fact]
    public void The_agent_endpoint_prefers_the_internal_ip_and_needs_the_kubelet_port()
    {
        var node = JsonNode.Parse("""
            {"status":{"addresses":[{"type":"Hostname","address":"n1"},{"type":"ExternalIP","address":"192.0.2.9"},{"type":"InternalIP","address":"10.0.0.5"}],
                       "daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}
            """)!.AsObject();
        Assert.Equal(new KubeletEndpoint("10.0.0.5", 10250), PodTarget.AgentEndpoint(node, "n1"));

        var noPort = JsonNode.Parse("""{"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.5"}]}}""")!.AsObject();
        Assert.Equal(503, Assert.Throws<ApiException>(() => PodTarget.AgentEndpoint(noPort, "n1")).Code);
        var noAddress = JsonNode.Parse("""{"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}""")!.AsObject();
        Assert.Equal(503, Assert.Throws<ApiException>(() => PodTarget.AgentEndpoint(noAddress, "n1")).Code);
    }

    [Fact]
    public void An_ipv6_endpoint_is_bracketed_in_the_authority()
    {
        Assert.Equal("[fd00::1]:10250", new KubeletEndpoint("fd00::1", 10250).Authority);
    }
}
