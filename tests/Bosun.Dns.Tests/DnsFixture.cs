using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Bosun.Testing;

namespace Bosun.Dns.Tests;

/// <summary>A TestCluster plus the cluster DNS on a free loopback port, and a client for it over UDP or TCP.</summary>
internal sealed class DnsFixture : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private Task? run;

    private DnsFixture(TestCluster cluster) => Cluster = cluster;

    public TestCluster Cluster { get; }
    public DnsRunner Runner { get; private set; } = null!;
    public int Port { get; private set; }

    public static async Task<DnsFixture> StartAsync(Func<int, DnsOptions>? configure = null)
    {
        var fixture = new DnsFixture(await TestCluster.StartAsync());
        fixture.Port = FreePort();
        var options = configure?.Invoke(fixture.Port) ?? new DnsOptions { ListenAddress = IPAddress.Loopback, Port = fixture.Port, Upstreams = [] };
        fixture.Runner = new DnsRunner(fixture.Cluster.Api, options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System);
        fixture.run = fixture.Runner.RunAsync(fixture.stop.Token);
        await TestCluster.EventuallyAsync(async () =>
        {
            try { return (await fixture.QueryAsync("kubernetes.default.svc.cluster.local", RecordType.A))?.ReturnCode == ReturnCode.NoError; }
            catch (Exception) { return false; }
        }, because: "the DNS server answers");
        return fixture;
    }

    /// <summary>A port free for both UDP and TCP on loopback right now.</summary>
    public static int FreePort()
    {
        for (var i = 0; ; i++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try { udp.Bind(new IPEndPoint(IPAddress.Loopback, port)); return port; }
            catch (SocketException) when (i < 20) { }
        }
    }

    public Task<DnsMessage?> QueryAsync(string name, RecordType type, bool tcp = false) => Query(Port, name, type, tcp);

    public static async Task<DnsMessage?> Query(int port, string name, RecordType type, bool tcp = false)
    {
        IClientTransport transport = tcp ? new TcpClientTransport(port) : new UdpClientTransport(port);
        var client = new DnsClient([IPAddress.Loopback], [transport], true, 3000);
        return await client.ResolveAsync(DomainName.Parse(name), type, RecordClass.INet, new DnsQueryOptions { IsRecursionDesired = true }, CancellationToken.None);
    }

    /// <summary>One A query in one UDP datagram, the reply parsed as is (no retry over TCP, unlike ARSoft's client).</summary>
    public async Task<DnsMessage> RawUdpQueryAsync(string name)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Port));
        var query = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
        foreach (var label in name.Split('.'))
        {
            query.Add((byte)label.Length);
            query.AddRange(System.Text.Encoding.ASCII.GetBytes(label));
        }
        query.AddRange([0, 0, 1, 0, 1]);
        await socket.SendAsync(query.ToArray());
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(3000);
        var n = await socket.ReceiveAsync(buffer, timeout.Token);
        return DnsMessage.Parse(new ArraySegment<byte>(buffer, 0, n));
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (run is not null) await run;
        await Cluster.DisposeAsync();
    }
}
