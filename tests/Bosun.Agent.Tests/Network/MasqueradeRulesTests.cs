using System.Net;
using Bosun.Agent.Network;

namespace Bosun.Agent.Tests.Network;

public sealed class MasqueradeRulesTests
{
    private static readonly IPNetwork Cluster = IPNetwork.Parse("10.244.0.0/16");
    private static readonly string Chain = MasqueradeRules.Chain(Cluster);

    [Fact]
    public void Chain_IsOursPerClusterCidr_AndFitsIptablesLimit()
    {
        Assert.StartsWith("BOSUN-MASQ-", Chain);
        Assert.True(Chain.Length <= 28);
        Assert.NotEqual(Chain, MasqueradeRules.Chain(IPNetwork.Parse("10.245.0.0/16")));
        Assert.Equal(Chain, MasqueradeRules.Chain(IPNetwork.Parse("10.244.0.0/16")));
    }

    [Fact]
    public void Sync_PodToPodReturns_LeavingThePodNetworkIsMasqueraded_JumpAddedOnce()
    {
        var script = MasqueradeRules.Sync(Cluster, "*nat\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n");

        Assert.Equal(
            $"""
            *nat
            :{Chain} - [0:0]
            -A {Chain} -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "pod to pod: no NAT" -j RETURN
            -A {Chain} -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "leaving the pod network" -j MASQUERADE
            -A POSTROUTING -m comment --comment "bosun pod network masquerade" -j {Chain}
            COMMIT

            """, script);
    }

    [Fact]
    public void Sync_JumpAlreadyThere_OnlyRewritesTheChain()
    {
        var saved = $"*nat\n:POSTROUTING ACCEPT [0:0]\n:{Chain} - [0:0]\n-A POSTROUTING -m comment --comment \"bosun pod network masquerade\" -j {Chain}\nCOMMIT\n";

        var script = MasqueradeRules.Sync(Cluster, saved);

        Assert.DoesNotContain("-A POSTROUTING", script);
        Assert.Contains($":{Chain} - [0:0]", script);
    }

    [Fact]
    public void Delete_RemovesOurJumpAndChain_NothingElse()
    {
        var other = MasqueradeRules.Chain(IPNetwork.Parse("10.245.0.0/16"));
        var saved = $"""
            *nat
            :POSTROUTING ACCEPT [0:0]
            :{Chain} - [0:0]
            :{other} - [0:0]
            -A POSTROUTING -s 10.88.0.0/16 -j MASQUERADE
            -A POSTROUTING -m comment --comment "bosun pod network masquerade" -j {Chain}
            -A POSTROUTING -m comment --comment "bosun pod network masquerade" -j {other}
            -A {Chain} -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "pod to pod: no NAT" -j RETURN
            COMMIT
            """;

        var script = MasqueradeRules.Delete(Cluster, saved);

        Assert.Equal($"*nat\n-D POSTROUTING -m comment --comment \"bosun pod network masquerade\" -j {Chain}\n:{Chain} - [0:0]\n-X {Chain}\nCOMMIT\n", script);
    }

    [Fact]
    public void Delete_NothingOfOurs_IsEmpty()
    {
        Assert.Equal("", MasqueradeRules.Delete(Cluster, "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 10.88.0.0/16 -j MASQUERADE\nCOMMIT\n"));
    }
}
