using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Bosun.Testing;
using k8s.Models;

namespace Bosun.Dns.Tests;

[Trait("Category", "Integration")]
public sealed class ClusterDnsIntegrationTests
{
    private static V1Service Service(string name, string? clusterIp = null, params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { ClusterIP = clusterIp, Ports = ports.ToList() },
    };

    private static V1ServicePort Port(string name, int port, string protocol = "TCP") => new() { Name = name, Port = port, Protocol = protocol };

    [Fact]
    public async Task ClusterNames_AnswerAOverUdpAndTcp_SrvWithAdditional_PtrAndNxDomain()
    {
        await using var dns = await DnsFixture.StartAsync();
        var svc = await dns.Cluster.Api.CreateAsync("default", Service("myapp", null, Port("http", 80)), CancellationToken.None);
        var ip = svc.Spec.ClusterIP;
        await TestCluster.EventuallyAsync(async () => (await dns.QueryAsync("myapp.default.svc.cluster.local", RecordType.A))?.ReturnCode == ReturnCode.NoError);

        foreach (var tcp in new[] { false, true })
        {
            var a = await dns.QueryAsync("myapp.default.svc.cluster.local", RecordType.A, tcp);
            Assert.True(a!.IsAuthoritiveAnswer);
            Assert.Equal(ip, Assert.IsType<ARecord>(Assert.Single(a.AnswerRecords)).Address.ToString());
        }

        var srv = await dns.QueryAsync("_http._tcp.myapp.default.svc.cluster.local", RecordType.Srv);
        Assert.Equal(80, Assert.IsType<SrvRecord>(Assert.Single(srv!.AnswerRecords)).Port);
        Assert.Contains(srv.AdditionalRecords.OfType<ARecord>(), r => r.Address.ToString() == ip);

        var reverse = string.Join('.', ip.Split('.').Reverse()) + ".in-addr.arpa";
        var ptr = await dns.QueryAsync(reverse, RecordType.Ptr);
        Assert.Equal("myapp.default.svc.cluster.local.", Assert.IsType<PtrRecord>(Assert.Single(ptr!.AnswerRecords)).PointerDomainName.ToString(true));

        var missing = await dns.QueryAsync("nothing.default.svc.cluster.local", RecordType.A);
        Assert.Equal(ReturnCode.NxDomain, missing!.ReturnCode);
        Assert.IsType<SoaRecord>(Assert.Single(missing.AuthorityRecords));
    }

    [Fact]
    public async Task HeadlessService_AnswersReadyEndpointsAndFollowsSliceChanges()
    {
        await using var dns = await DnsFixture.StartAsync();
        var api = dns.Cluster.Api;
        await api.CreateAsync("default", Service("db", "None", Port("pg", 5432)), CancellationToken.None);
        var slice = new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "db-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "db" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "pg", Port = 5432, Protocol = "TCP" }],
            Endpoints =
            [
                new V1Endpoint { Addresses = ["10.244.0.5"], Hostname = "db-0", Conditions = new V1EndpointConditions { Ready = true } },
                new V1Endpoint { Addresses = ["10.244.0.6"], Conditions = new V1EndpointConditions { Ready = true } },
            ],
        };
        slice = await api.CreateAsync("default", slice, CancellationToken.None);

        async Task<List<string>> Addresses() => (await dns.QueryAsync("db.default.svc.cluster.local", RecordType.A))!.AnswerRecords.OfType<ARecord>().Select(r => r.Address.ToString()).Order().ToList();
        await TestCluster.EventuallyAsync(async () => (await Addresses()).Count == 2);
        Assert.Equal("10.244.0.5", Assert.IsType<ARecord>(Assert.Single((await dns.QueryAsync("db-0.db.default.svc.cluster.local", RecordType.A))!.AnswerRecords)).Address.ToString());

        slice.Endpoints[1].Conditions.Ready = false;
        await api.UpdateAsync("default", "db-1", slice, CancellationToken.None);
        await TestCluster.EventuallyAsync(async () => (await Addresses()).SequenceEqual(["10.244.0.5"]), TimeSpan.FromSeconds(5), "a not-ready endpoint leaves the answer");
    }

    [Fact]
    public async Task ServiceDeleted_BecomesNxDomain()
    {
        await using var dns = await DnsFixture.StartAsync();
        await dns.Cluster.Api.CreateAsync("default", Service("gone", null, Port("http", 80)), CancellationToken.None);
        await TestCluster.EventuallyAsync(async () => (await dns.QueryAsync("gone.default.svc.cluster.local", RecordType.A))!.AnswerRecords.Count == 1);

        await dns.Cluster.Api.DeleteAsync<V1Service>("default", "gone", CancellationToken.None);

        await TestCluster.EventuallyAsync(async () => (await dns.QueryAsync("gone.default.svc.cluster.local", RecordType.A))!.ReturnCode == ReturnCode.NxDomain, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task OtherNames_AreForwardedToTheUpstream_AndFailCleanlyWithoutOne()
    {
        await using var upstream = FakeUpstream.Start("example.test", IPAddress.Parse("192.0.2.7"));
        await using var dns = await DnsFixture.StartAsync(port => new DnsOptions
        {
            ListenAddress = IPAddress.Loopback, Port = port, Upstreams = [new IPEndPoint(IPAddress.Loopback, upstream.Port)],
        });

        var a = await dns.QueryAsync("example.test", RecordType.A);
        Assert.Equal("192.0.2.7", Assert.IsType<ARecord>(Assert.Single(a!.AnswerRecords)).Address.ToString());
        Assert.False(a.IsAuthoritiveAnswer);
        Assert.Equal(ReturnCode.NxDomain, (await dns.QueryAsync("other.test", RecordType.A))!.ReturnCode);
        var tcp = await dns.QueryAsync("example.test", RecordType.A, tcp: true);
        Assert.Single(tcp!.AnswerRecords);
        Assert.True(upstream.Queries >= 2);

        await using var isolated = await DnsFixture.StartAsync(port => new DnsOptions
        {
            ListenAddress = IPAddress.Loopback, Port = port, Upstreams = [new IPEndPoint(IPAddress.Loopback, DnsFixture.FreePort())], ForwardTimeoutMs = 300,
        });
        Assert.Equal(ReturnCode.ServerFailure, (await isolated.QueryAsync("example.test", RecordType.A))!.ReturnCode);
    }

    [Fact]
    public async Task Publish_CreatesKubeDnsServiceAtClusterDnsIpWithThisNodesEndpoint()
    {
        await using var dns = await DnsFixture.StartAsync(port => new DnsOptions
        {
            ListenAddress = IPAddress.Loopback, Port = port, Upstreams = [], Publish = new KubeDnsPublication(IPAddress.Parse("10.96.0.10"), "node-a"),
        });
        var api = dns.Cluster.Api;

        await TestCluster.EventuallyAsync(async () => await api.TryGetAsync<V1EndpointSlice>("kube-system", "kube-dns-node-a", CancellationToken.None) is not null);
        var svc = await api.GetAsync<V1Service>("kube-system", "kube-dns", CancellationToken.None);
        Assert.Equal("10.96.0.10", svc.Spec.ClusterIP);
        Assert.Equal("Local", svc.Spec.InternalTrafficPolicy);
        var slice = await api.GetAsync<V1EndpointSlice>("kube-system", "kube-dns-node-a", CancellationToken.None);
        Assert.Equal("127.0.0.1", Assert.Single(slice.Endpoints).Addresses[0]);
        Assert.All(slice.Ports, p => Assert.Equal(dns.Port, p.Port));
        // And the DNS answers for its own Service.
        await TestCluster.EventuallyAsync(async () => (await dns.QueryAsync("kube-dns.kube-system.svc.cluster.local", RecordType.A))!.AnswerRecords.OfType<ARecord>().Any(r => r.Address.ToString() == "10.96.0.10"));
    }

    [Fact]
    public async Task LargeHeadlessAnswer_IsTruncatedOverUdp_AndCompleteOverTcp()
    {
        await using var dns = await DnsFixture.StartAsync();
        var api = dns.Cluster.Api;
        await api.CreateAsync("default", Service("big", "None", Port("http", 80)), CancellationToken.None);
        await api.CreateAsync("default", new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "big-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "big" } },
            AddressType = "IPv4",
            Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 80, Protocol = "TCP" }],
            Endpoints = Enumerable.Range(1, 60).Select(i => new V1Endpoint { Addresses = [$"10.244.3.{i}"], Conditions = new V1EndpointConditions { Ready = true } }).ToList(),
        }, CancellationToken.None);

        await TestCluster.EventuallyAsync(async () => (await dns.QueryAsync("big.default.svc.cluster.local", RecordType.A, tcp: true))!.AnswerRecords.Count == 60);
        var udp = await dns.RawUdpQueryAsync("big.default.svc.cluster.local");

        Assert.True(udp.IsTruncated);
        Assert.True(udp.AnswerRecords.Count < 60);
    }
}

/// <summary>A tiny authoritative DNS server on loopback standing in for the host's resolver: one name, NXDOMAIN otherwise.</summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    private readonly DnsServer server;
    private int queries;

    private FakeUpstream(DnsServer server, int port)
    {
        this.server = server;
        Port = port;
    }

    public int Port { get; }
    public int Queries => queries;

    public static FakeUpstream Start(string name, IPAddress address)
    {
        var port = DnsFixture.FreePort();
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var server = new DnsServer([new UdpServerTransport(endpoint, 2000), new TcpServerTransport(endpoint, 2000, 10000)]);
        var fake = new FakeUpstream(server, port);
        server.QueryReceived += (_, e) =>
        {
            Interlocked.Increment(ref fake.queries);
            var query = (DnsMessage)e.Query;
            var response = query.CreateResponseInstance();
            var q = query.Questions[0];
            if (q.Name.Equals(DomainName.Parse(name)) && q.RecordType == RecordType.A) response.AnswerRecords.Add(new ARecord(q.Name, 60, address));
            else response.ReturnCode = ReturnCode.NxDomain;
            e.Response = response;
            return Task.CompletedTask;
        };
        server.Start();
        return fake;
    }

    public ValueTask DisposeAsync()
    {
        server.Stop();
        return ValueTask.CompletedTask;
    }
}
