using System.Net;
using Bosun.Proxy.Iptables;
using Bosun.Proxy.Rules;
using Microsoft.Extensions.Logging.Abstractions;
using static Bosun.Proxy.Tests.Objects;

namespace Bosun.Proxy.Tests;

public sealed class ProxySyncerTests
{
    /// <summary>Records what would reach iptables; <see cref="Saved"/> is what iptables-save reports.</summary>
    private sealed class RecordingIptables : IIptables
    {
        public string Saved { get; set; } = "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n";
        public List<string> Restores { get; } = [];
        public int Saves { get; private set; }
        public bool FailNext { get; set; }

        public Task RestoreAsync(string input, CancellationToken ct)
        {
            if (FailNext)
            {
                FailNext = false;
                throw new IptablesException("iptables-restore failed (1): line 3", input);
            }
            Restores.Add(input);
            return Task.CompletedTask;
        }

        public Task<string> SaveAsync(CancellationToken ct)
        {
            Saves++;
            return Task.FromResult(Saved);
        }

        public Task SetSysctlAsync(string name, string value, CancellationToken ct) => Task.CompletedTask;
    }

    private static readonly NodeInfo Node = new([IPAddress.Parse("192.168.5.10")], null, false);

    private static List<ServicePortInfo> Ports(params string[] ips) =>
        ServiceCatalog.Build([Service("a", "10.96.0.20", Port(80))], [Slice("a", "a-1", [SlicePort(80)], ips.Select(ip => Endpoint(ip)).ToArray())], "node-a");

    [Fact]
    public async Task FirstSync_IsFull_WithJumpsAndStaleChainsDeleted()
    {
        var iptables = new RecordingIptables { Saved = "*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SEP-STALESTALESTALE1 - [0:0]\nCOMMIT\n" };
        var syncer = new ProxySyncer(iptables, Node, NullLogger.Instance);

        var stats = await syncer.SyncAsync(Ports("10.244.0.5"), full: false, CancellationToken.None);

        Assert.True(stats.Full);
        Assert.Equal(1, iptables.Saves);
        var script = Assert.Single(iptables.Restores);
        Assert.Contains("-X KUBE-SEP-STALESTALESTALE1\n", script);
        Assert.Contains("-I PREROUTING 1 -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n", script);
        Assert.Equal(8, script.Split('\n').Count(l => l.StartsWith("-I ")));
    }

    [Fact]
    public async Task LaterSyncs_WriteOnlyTheDiff_AndNothingWhenUnchanged()
    {
        var iptables = new RecordingIptables();
        var syncer = new ProxySyncer(iptables, Node, NullLogger.Instance);
        await syncer.SyncAsync(Ports("10.244.0.5"), false, CancellationToken.None);

        var same = await syncer.SyncAsync(Ports("10.244.0.5"), false, CancellationToken.None);
        var changed = await syncer.SyncAsync(Ports("10.244.0.5", "10.244.0.6"), false, CancellationToken.None);

        Assert.False(same.Full);
        Assert.Equal(0, same.RestoreBytes);
        Assert.False(changed.Full);
        Assert.Equal(2, iptables.Restores.Count);
        Assert.Equal(1, iptables.Saves);
        Assert.DoesNotContain("-I ", iptables.Restores[1]);
        Assert.Contains("10.244.0.6:80", iptables.Restores[1]);
    }

    [Fact]
    public async Task AfterAFailedRestore_TheNextSyncIsFull()
    {
        var iptables = new RecordingIptables();
        var syncer = new ProxySyncer(iptables, Node, NullLogger.Instance);
        await syncer.SyncAsync(Ports("10.244.0.5"), false, CancellationToken.None);
        iptables.FailNext = true;

        await Assert.ThrowsAsync<IptablesException>(() => syncer.SyncAsync(Ports("10.244.0.6"), false, CancellationToken.None));
        var retry = await syncer.SyncAsync(Ports("10.244.0.6"), false, CancellationToken.None);

        Assert.True(retry.Full);
        Assert.NotNull(syncer.Written);
        Assert.Equal(2, iptables.Saves);
    }
}
