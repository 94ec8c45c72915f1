using System.Net;
using Bosun.Proxy.Rules;
using k8s.Models;
using static Bosun.Proxy.Tests.Objects;

namespace Bosun.Proxy.Tests;

public sealed class RuleBuilderTests
{
    private static readonly NodeInfo Node = new([IPAddress.Parse("192.168.5.10")], IPNetwork.Parse("10.244.0.0/16"), LocalhostNodePorts: false);

    private static Ruleset Build(IEnumerable<V1Service> services, IEnumerable<V1EndpointSlice> slices, NodeInfo? node = null) =>
        RuleBuilder.Build(ServiceCatalog.Build(services, slices, "node-a"), node ?? Node);

    private static List<string> Chain(TableRules table, string prefix) =>
        table.Chains.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).SelectMany(kv => kv.Value).ToList();

    [Fact]
    public void ClusterIp_WithThreeReadyEndpoints_SplitsTrafficInEqualShares()
    {
        var rules = Build(
            [Service("web", "10.96.0.20", Port(80, "http"))],
            [Slice("web", "web-1", [SlicePort(8080, "http")], Endpoint("10.244.0.5"), Endpoint("10.244.0.6"), Endpoint("10.244.0.7"))]);

        var svc = Chain(rules.Nat, "KUBE-SVC-");
        Assert.Equal(4, svc.Count);   // masquerade of off-cluster sources + 3 endpoints
        Assert.Contains("! -s 10.244.0.0/16 -j KUBE-MARK-MASQ", svc[0]);
        Assert.Contains("--probability 0.3333333333", svc[1]);
        Assert.Contains("--probability 0.5000000000", svc[2]);
        Assert.DoesNotContain("statistic", svc[3]);
        var dnat = Chain(rules.Nat, "KUBE-SEP-").Where(r => r.Contains("DNAT")).ToList();
        Assert.Equal(["10.244.0.5:8080", "10.244.0.6:8080", "10.244.0.7:8080"], dnat.Select(r => r.Split(' ')[^1]));
        Assert.Contains(rules.Nat.Chains["KUBE-SERVICES"], r => r.Contains("-d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-"));
    }

    [Fact]
    public void ClusterIp_WithoutReadyEndpoints_RejectsInFilterAndHasNoNatChain()
    {
        var rules = Build(
            [Service("web", "10.96.0.20", Port(80))],
            [Slice("web", "web-1", [SlicePort(80)], Endpoint("10.244.0.5", ready: false))]);

        Assert.Empty(Chain(rules.Nat, "KUBE-SVC-"));
        Assert.Empty(Chain(rules.Nat, "KUBE-SEP-"));
        var reject = Assert.Single(rules.Filter.Chains["KUBE-SERVICES"]);
        Assert.Contains("default/web has no endpoints", reject);
        Assert.EndsWith("-d 10.96.0.20/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable", reject);
    }

    [Fact]
    public void Endpoints_WhenNoneReady_FallBackToServingTerminatingOnes()
    {
        var rules = Build(
            [Service("web", "10.96.0.20", Port(80))],
            [Slice("web", "web-1", [SlicePort(80)],
                Endpoint("10.244.0.5", ready: false, serving: true, terminating: true),
                Endpoint("10.244.0.6", ready: false, serving: false, terminating: true))]);

        var dnat = Assert.Single(Chain(rules.Nat, "KUBE-SEP-"), r => r.Contains("DNAT"));
        Assert.EndsWith("10.244.0.5:80", dnat);
    }

    [Fact]
    public void NamedTargetPort_UsesThePortNumberResolvedInTheSlice()
    {
        var rules = Build(
            [Service("web", "10.96.0.20", Port(80, "http", targetPort: "web"), Port(53, "dns", "UDP"))],
            [Slice("web", "web-1", [SlicePort(8080, "http"), SlicePort(5353, "dns", "UDP")], Endpoint("10.244.0.5"))]);

        var dnat = Chain(rules.Nat, "KUBE-SEP-").Where(r => r.Contains("DNAT")).ToList();
        Assert.Contains(dnat, r => r.Contains("-p tcp") && r.EndsWith("10.244.0.5:8080"));
        Assert.Contains(dnat, r => r.Contains("-p udp") && r.EndsWith("10.244.0.5:5353"));
    }

    [Fact]
    public void SessionAffinityClientIp_SendsRecentClientsBackToTheirEndpoint()
    {
        var service = Service("web", "10.96.0.20", Port(80)).With(s =>
        {
            s.SessionAffinity = "ClientIP";
            s.SessionAffinityConfig = new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = 600 } };
        });
        var rules = Build([service], [Slice("web", "w", [SlicePort(80)], Endpoint("10.244.0.5"), Endpoint("10.244.0.6"))]);

        var svc = Chain(rules.Nat, "KUBE-SVC-");
        Assert.Equal(2, svc.Count(r => r.Contains("-m recent --name KUBE-SEP-") && r.Contains("--rcheck --seconds 600 --reap")));
        Assert.True(svc.FindIndex(r => r.Contains("--rcheck")) < svc.FindIndex(r => r.Contains("statistic")));
        Assert.All(Chain(rules.Nat, "KUBE-SEP-").Where(r => r.Contains("DNAT")), r => Assert.Contains("--set --rsource", r));
    }

    [Fact]
    public void Endpoint_MasqueradesHairpinTrafficFromItself()
    {
        var rules = Build([Service("web", "10.96.0.20", Port(80))], [Slice("web", "w", [SlicePort(80)], Endpoint("10.244.0.5"))]);

        Assert.Contains(Chain(rules.Nat, "KUBE-SEP-"), r => r.Contains("-s 10.244.0.5/32 -j KUBE-MARK-MASQ"));
    }

    [Fact]
    public void NodePort_JumpsToExternalChainThatMasqueradesAndBalances()
    {
        var service = Service("web", "10.96.0.20", Port(80, nodePort: 30080)).With(s => s.Type = "NodePort");
        var rules = Build([service], [Slice("web", "w", [SlicePort(80)], Endpoint("10.244.0.5"))]);

        var np = Assert.Single(rules.Nat.Chains["KUBE-NODEPORTS"]);
        Assert.Contains("-p tcp -m tcp --dport 30080 -j KUBE-EXT-", np);
        var ext = Chain(rules.Nat, "KUBE-EXT-");
        Assert.Equal(2, ext.Count);
        Assert.EndsWith("-j KUBE-MARK-MASQ", ext[0]);
        Assert.StartsWith("-A KUBE-EXT-", ext[1]);
        Assert.Contains("-j KUBE-SVC-", ext[1]);
        Assert.EndsWith("-d 192.168.5.10/32 -j KUBE-NODEPORTS", rules.Nat.Chains["KUBE-SERVICES"][^1]);
    }

    [Fact]
    public void NodePort_WithoutEndpoints_RejectsInExternalServices()
    {
        var service = Service("web", "10.96.0.20", Port(80, nodePort: 30080)).With(s => s.Type = "NodePort");
        var rules = Build([service], []);

        var reject = Assert.Single(rules.Filter.Chains["KUBE-EXTERNAL-SERVICES"]);
        Assert.Contains("-m addrtype --dst-type LOCAL -p tcp -m tcp --dport 30080 -j REJECT", reject);
        Assert.Empty(rules.Nat.Chains["KUBE-NODEPORTS"]);
    }

    [Fact]
    public void ExternalTrafficPolicyLocal_UsesOnlyThisNodesEndpointsForOutsideTraffic()
    {
        var service = Service("web", "10.96.0.20", Port(80, nodePort: 30080)).With(s => { s.Type = "NodePort"; s.ExternalTrafficPolicy = "Local"; });
        var rules = Build([service], [Slice("web", "w", [SlicePort(80)], Endpoint("10.244.0.5", node: "node-a"), Endpoint("10.244.1.5", node: "node-b"))]);

        var ext = Chain(rules.Nat, "KUBE-EXT-");
        Assert.Contains(ext, r => r.Contains("-s 10.244.0.0/16 -j KUBE-SVC-"));
        Assert.Contains(ext, r => r.Contains("--src-type LOCAL -j KUBE-MARK-MASQ"));
        Assert.EndsWith("-j " + rules.Nat.Chains.Keys.Single(k => k.StartsWith("KUBE-SVL-")), ext[^1]);
        var svl = Chain(rules.Nat, "KUBE-SVL-");
        Assert.Single(svl);
        Assert.Contains("10.244.0.5:80", svl[0]);
        Assert.DoesNotContain(ext, r => r.Contains("MARK-MASQ") && !r.Contains("src-type LOCAL"));
    }

    [Fact]
    public void ExternalTrafficPolicyLocal_WithNoLocalEndpoint_DropsNodePortTraffic()
    {
        var service = Service("web", "10.96.0.20", Port(80, nodePort: 30080)).With(s => { s.Type = "NodePort"; s.ExternalTrafficPolicy = "Local"; });
        var rules = Build([service], [Slice("web", "w", [SlicePort(80)], Endpoint("10.244.1.5", node: "node-b"))]);

        Assert.Contains(rules.Filter.Chains["KUBE-EXTERNAL-SERVICES"], r => r.Contains("has no local endpoints") && r.EndsWith("--dport 30080 -j DROP"));
        Assert.Empty(Chain(rules.Nat, "KUBE-SVL-"));
    }

    [Fact]
    public void InternalTrafficPolicyLocal_SendsClusterIpTrafficOnlyToLocalEndpoints()
    {
        var service = Service("dns", "10.96.0.10", Port(53, "dns", "UDP")).With(s => s.InternalTrafficPolicy = "Local");
        var rules = Build([service], [Slice("dns", "d", [SlicePort(53, "dns", "UDP")], Endpoint("192.168.5.10", node: "node-a"), Endpoint("192.168.5.11", node: "node-b"))]);

        Assert.Contains(rules.Nat.Chains["KUBE-SERVICES"], r => r.Contains("-d 10.96.0.10/32 -p udp -m udp --dport 53 -j KUBE-SVL-"));
        Assert.Empty(Chain(rules.Nat, "KUBE-SVC-"));
        var dnat = Assert.Single(Chain(rules.Nat, "KUBE-SEP-"), r => r.Contains("DNAT"));
        Assert.EndsWith("192.168.5.10:53", dnat);
    }

    [Fact]
    public void InternalTrafficPolicyLocal_WithNoLocalEndpoint_Drops()
    {
        var service = Service("dns", "10.96.0.10", Port(53, "dns", "UDP")).With(s => s.InternalTrafficPolicy = "Local");
        var rules = Build([service], [Slice("dns", "d", [SlicePort(53, "dns", "UDP")], Endpoint("192.168.5.11", node: "node-b"))]);

        var drop = Assert.Single(rules.Filter.Chains["KUBE-SERVICES"]);
        Assert.Contains("has no local endpoints", drop);
        Assert.EndsWith("-j DROP", drop);
    }

    [Fact]
    public void HeadlessAndExternalNameServices_GetNoRules()
    {
        var headless = Service("h", "None", Port(80));
        var alias = Service("a", "", Port(80)).With(s => { s.Type = "ExternalName"; s.ExternalName = "example.org"; });
        var rules = Build([headless, alias], [Slice("h", "h", [SlicePort(80)], Endpoint("10.244.0.5"))]);

        Assert.Single(rules.Nat.Chains["KUBE-SERVICES"]);   // only the NodePort dispatch
        Assert.Empty(rules.Filter.Chains["KUBE-SERVICES"]);
    }

    [Fact]
    public void LocalhostNodePorts_AddsLoopbackDispatchAndLocalnetGuard()
    {
        var node = Node with { LocalhostNodePorts = true };
        var rules = Build([], [], node);

        Assert.EndsWith("-d 127.0.0.0/8 -j KUBE-NODEPORTS", rules.Nat.Chains["KUBE-SERVICES"][^1]);
        Assert.Contains(rules.Filter.Chains["KUBE-EXTERNAL-SERVICES"], r => r.Contains("block incoming localnet connections"));
    }

    [Fact]
    public void NoNodeAddresses_DispatchesNodePortsOnEveryLocalAddress()
    {
        var rules = Build([], [], Node with { Addresses = [] });

        Assert.EndsWith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS", Assert.Single(rules.Nat.Chains["KUBE-SERVICES"]));
    }

    [Fact]
    public void ChainNames_AreStableAndWithinIptablesLimit()
    {
        var port = ServiceCatalog.Build([Service("a-very-long-service-name-for-testing", "10.96.0.20", Port(80, "http"))], [], "n")[0];
        var name = ChainNames.Service(port);
        Assert.Equal(name, ChainNames.Service(port with { }));
        Assert.True(name.Length <= 28);
        Assert.Matches("^KUBE-SVC-[A-Z2-7]{16}$", name);
        Assert.NotEqual(name, ChainNames.Service(port with { Protocol = "UDP" }));
    }

    [Fact]
    public void Golden_MixedServices_MatchTestdata()
    {
        var services = new[]
        {
            Service("web", "10.96.0.20", Port(80, "http", targetPort: "web")).With(s => { s.Type = "NodePort"; s.Ports[0].NodePort = 30080; }),
            Service("sticky", "10.96.0.21", Port(8080)).With(s => s.SessionAffinity = "ClientIP"),
            Service("empty", "10.96.0.22", Port(80), Port(53, "dns", "UDP")),
            Service("local", "10.96.0.23", Port(80, nodePort: 30081)).With(s => { s.Type = "NodePort"; s.ExternalTrafficPolicy = "Local"; }),
        };
        var slices = new[]
        {
            Slice("web", "web-1", [SlicePort(8080, "http")], Endpoint("10.244.0.5"), Endpoint("10.244.1.6", node: "node-b"), Endpoint("10.244.0.9", ready: false)),
            Slice("sticky", "sticky-1", [SlicePort(8080)], Endpoint("10.244.0.7")),
            Slice("local", "local-1", [SlicePort(80)], Endpoint("10.244.0.8"), Endpoint("10.244.1.8", node: "node-b")),
        };
        Golden.Check("mixed.rules", Build(services, slices).ToString());
    }
}
