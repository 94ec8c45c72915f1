using System.Net;
using Bosun.Agent.Network;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Agent.Tests.Network;

public sealed class PodNetworkTests
{
    private static readonly IPNetwork Cluster = IPNetwork.Parse("10.244.0.0/16");
    private static readonly PodNetworkOptions Options = new("a", Cluster);

    /// <summary>An in-memory kernel: a route table and a nat table applied from restore scripts (enough of their syntax).</summary>
    private sealed class FakeHost : IHostNetwork
    {
        public List<PodRoute> Routes { get; } = [];
        public List<string> Nat { get; } = [":POSTROUTING ACCEPT [0:0]", "-A POSTROUTING -s 10.88.0.0/16 -j MASQUERADE"];
        public bool FailRestore { get; set; }

        public Task<IReadOnlyList<PodRoute>> ListRoutesAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<PodRoute>>([.. Routes]);

        public Task ReplaceRouteAsync(PodRoute route, CancellationToken ct)
        {
            Routes.RemoveAll(r => r.Destination == route.Destination);
            Routes.Add(route);
            return Task.CompletedTask;
        }

        public Task DeleteRouteAsync(PodRoute route, CancellationToken ct)
        {
            Routes.Remove(route);
            return Task.CompletedTask;
        }

        public Task<string> SaveNatAsync(CancellationToken ct) => Task.FromResult("*nat\n" + string.Join('\n', Nat) + "\nCOMMIT\n");

        public Task RestoreAsync(string script, CancellationToken ct)
        {
            if (FailRestore) throw new HostNetworkException("iptables-restore failed (4): resource busy");
            foreach (var line in script.Split('\n').Where(l => l.Length > 0 && l[0] is ':' or '-'))
            {
                var chain = line.Split(' ')[line[0] == ':' ? 0 : 1].TrimStart(':');
                if (line[0] == ':') { Nat.RemoveAll(l => l.StartsWith($"-A {chain} ", StringComparison.Ordinal)); if (!Nat.Any(l => l.StartsWith($":{chain} ", StringComparison.Ordinal))) Nat.Add(line); }
                else if (line.StartsWith("-A ", StringComparison.Ordinal)) Nat.Add(line);
                else if (line.StartsWith("-D ", StringComparison.Ordinal)) Nat.Remove("-A " + line[3..]);
                else if (line.StartsWith("-X ", StringComparison.Ordinal)) Nat.RemoveAll(l => l.StartsWith($":{chain} ", StringComparison.Ordinal));
            }
            return Task.CompletedTask;
        }
    }

    private static V1Node Node(string name, string podCidr, string ip) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NodeSpec { PodCIDR = podCidr },
        Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = ip }] },
    };

    [Fact]
    public async Task Sync_RoutesOtherNodes_RemovesGoneOnes_AndMasqueradesOnce()
    {
        var host = new FakeHost();
        host.Routes.Add(new PodRoute(IPNetwork.Parse("10.244.9.0/24"), IPAddress.Parse("192.168.1.9")));   // a node deleted while we were down

        Assert.True(await PodNetwork.SyncAsync(host, [Node("a", "10.244.0.0/24", "192.168.1.1"), Node("b", "10.244.1.0/24", "192.168.1.2")], Options, NullLogger.Instance, default));
        Assert.True(await PodNetwork.SyncAsync(host, [Node("a", "10.244.0.0/24", "192.168.1.1"), Node("b", "10.244.1.0/24", "192.168.1.2")], Options, NullLogger.Instance, default));

        Assert.Equal([new PodRoute(IPNetwork.Parse("10.244.1.0/24"), IPAddress.Parse("192.168.1.2"))], host.Routes);
        var chain = MasqueradeRules.Chain(Cluster);
        Assert.Single(host.Nat, l => l.EndsWith("-j " + chain, StringComparison.Ordinal));
        Assert.Equal(2, MasqueradeRules.Rules(Cluster, string.Join('\n', host.Nat)).Count);
        Assert.Contains("-A POSTROUTING -s 10.88.0.0/16 -j MASQUERADE", host.Nat);
    }

    [Fact]
    public async Task Sync_ToolFails_ReportsFalseForAQuickRetry()
    {
        var host = new FakeHost { FailRestore = true };

        Assert.False(await PodNetwork.SyncAsync(host, [Node("b", "10.244.1.0/24", "192.168.1.2")], Options, NullLogger.Instance, default));
    }

    [Fact]
    public async Task Cleanup_RemovesOurRoutesAndChain_LeavesTheRest()
    {
        var host = new FakeHost();
        var foreign = new PodRoute(IPNetwork.Parse("10.99.1.0/24"), IPAddress.Parse("192.168.1.5"));
        host.Routes.Add(foreign);
        await PodNetwork.SyncAsync(host, [Node("b", "10.244.1.0/24", "192.168.1.2")], Options, NullLogger.Instance, default);

        await PodNetwork.CleanupAsync(host, Cluster, NullLogger.Instance);

        Assert.Equal([foreign], host.Routes);
        Assert.Equal([":POSTROUTING ACCEPT [0:0]", "-A POSTROUTING -s 10.88.0.0/16 -j MASQUERADE"], host.Nat);
    }
}
