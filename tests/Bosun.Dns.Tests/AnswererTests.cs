using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Bosun.Dns.Zone;
using k8s.Models;

namespace Bosun.Dns.Tests;

public sealed class AnswererTests
{
    private static V1Service Svc(string name, string clusterIp, string ns = "default", params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { ClusterIP = clusterIp, Type = "ClusterIP", Ports = ports.ToList() },
    };

    private static V1EndpointSlice Slice(string svc, string ns, IEnumerable<Discoveryv1EndpointPort> ports, params V1Endpoint[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta { Name = svc + "-x", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = svc } },
        AddressType = "IPv4", Ports = ports.ToList(), Endpoints = endpoints.ToList(),
    };

    private static V1Endpoint Ep(string ip, bool ready = true, string? hostname = null, string? pod = null) => new()
    {
        Addresses = [ip], Hostname = hostname, Conditions = new V1EndpointConditions { Ready = ready },
        TargetRef = pod is null ? null : new V1ObjectReference { Kind = "Pod", Name = pod, NamespaceProperty = "default" },
    };

    private static readonly V1Pod WebPod = new()
    {
        Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "default" },
        Spec = new V1PodSpec { Hostname = "web-0", Subdomain = "web" },
    };

    private static readonly ClusterZone Zone = ClusterZone.Build("cluster.local",
        [
            Svc("myapp", "10.96.0.20", "default", new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }),
            Svc("web", "None", "default", new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP" }),
            new V1Service { Metadata = new V1ObjectMeta { Name = "ext", NamespaceProperty = "default" }, Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "example.org" } },
            Svc("kube-dns", "10.96.0.10", "kube-system", new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" }),
            Svc("empty", "None", "default"),
        ],
        [
            Slice("web", "default", [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
                Ep("10.244.0.5", pod: "web-0"), Ep("10.244.0.6", hostname: "db"), Ep("10.244.0.7"), Ep("10.244.0.8", ready: false)),
        ],
        (ns, name) => ns == "default" && name == "web-0" ? WebPod : null);

    private static ZoneAnswer Ask(string name, RecordType type) => Answerer.Answer(Zone, DomainName.Parse(name), type, 5);

    private static List<string> Addresses(ZoneAnswer a) => a.Answers.OfType<ARecord>().Select(r => r.Address.ToString()).Order().ToList();

    [Fact]
    public void A_ForClusterIpService_ReturnsTheClusterIpWithTtl5()
    {
        var a = Ask("myapp.default.svc.cluster.local", RecordType.A);

        Assert.Equal(ReturnCode.NoError, a.Code);
        var record = Assert.IsType<ARecord>(Assert.Single(a.Answers));
        Assert.Equal("10.96.0.20", record.Address.ToString());
        Assert.Equal(5, record.TimeToLive);
    }

    [Fact]
    public void A_IsCaseInsensitive()
    {
        Assert.Equal(["10.96.0.20"], Addresses(Ask("MyApp.Default.SVC.Cluster.Local", RecordType.A)));
    }

    [Fact]
    public void A_ForHeadlessService_ReturnsEachReadyEndpoint()
    {
        Assert.Equal(["10.244.0.5", "10.244.0.6", "10.244.0.7"], Addresses(Ask("web.default.svc.cluster.local", RecordType.A)));
    }

    [Fact]
    public void A_ForPodHostnameUnderItsSubdomain_ReturnsThePodIp()
    {
        Assert.Equal(["10.244.0.5"], Addresses(Ask("web-0.web.default.svc.cluster.local", RecordType.A)));
        Assert.Equal(["10.244.0.6"], Addresses(Ask("db.web.default.svc.cluster.local", RecordType.A)));
        Assert.Equal(["10.244.0.7"], Addresses(Ask("10-244-0-7.web.default.svc.cluster.local", RecordType.A)));
    }

    [Fact]
    public void A_ForNotReadyEndpointHostname_IsNxDomain()
    {
        Assert.Equal(ReturnCode.NxDomain, Ask("10-244-0-8.web.default.svc.cluster.local", RecordType.A).Code);
    }

    [Fact]
    public void Srv_ForNamedPortOfClusterIpService_PointsAtServiceWithAdditionalA()
    {
        var a = Ask("_http._tcp.myapp.default.svc.cluster.local", RecordType.Srv);

        var srv = Assert.IsType<SrvRecord>(Assert.Single(a.Answers));
        Assert.Equal(80, srv.Port);
        Assert.Equal("myapp.default.svc.cluster.local", srv.Target.ToString(false).TrimEnd('.'));
        var extra = Assert.IsType<ARecord>(Assert.Single(a.Additional));
        Assert.Equal("10.96.0.20", extra.Address.ToString());
    }

    [Fact]
    public void Srv_ForHeadlessService_ListsEveryEndpointOnItsPort()
    {
        var a = Ask("_http._tcp.web.default.svc.cluster.local", RecordType.Srv);

        Assert.Equal(3, a.Answers.Count);
        Assert.All(a.Answers.Cast<SrvRecord>(), s => Assert.Equal(8080, s.Port));
        Assert.Contains(a.Answers.Cast<SrvRecord>(), s => s.Target.ToString(false).StartsWith("web-0.web.default.svc.cluster.local"));
        Assert.Equal(3, a.Additional.Count);
    }

    [Fact]
    public void Srv_ForUnknownPortOrProtocol_IsNxDomain()
    {
        Assert.Equal(ReturnCode.NxDomain, Ask("_grpc._tcp.myapp.default.svc.cluster.local", RecordType.Srv).Code);
        Assert.Equal(ReturnCode.NxDomain, Ask("_http._udp.myapp.default.svc.cluster.local", RecordType.Srv).Code);
    }

    [Fact]
    public void Ptr_ForClusterIpAndEndpoint_ReturnTheirNames()
    {
        var svc = Assert.IsType<PtrRecord>(Assert.Single(Ask("20.0.96.10.in-addr.arpa", RecordType.Ptr).Answers));
        Assert.Equal("myapp.default.svc.cluster.local", svc.PointerDomainName.ToString(false).TrimEnd('.'));
        var pod = Assert.IsType<PtrRecord>(Assert.Single(Ask("5.0.244.10.in-addr.arpa", RecordType.Ptr).Answers));
        Assert.Equal("web-0.web.default.svc.cluster.local", pod.PointerDomainName.ToString(false).TrimEnd('.'));
    }

    [Fact]
    public void Ptr_ForUnknownAddress_IsForwarded()
    {
        Assert.True(Ask("1.1.168.192.in-addr.arpa", RecordType.Ptr).Forward);
    }

    [Theory]
    [InlineData("nope.default.svc.cluster.local")]
    [InlineData("myapp.nons.svc.cluster.local")]
    [InlineData("myapp.cluster.local")]
    [InlineData("x.myapp.default.svc.cluster.local")]
    [InlineData("nons.svc.cluster.local")]
    public void UnknownNameInDomain_IsNxDomainWithSoa(string name)
    {
        var a = Ask(name, RecordType.A);

        Assert.Equal(ReturnCode.NxDomain, a.Code);
        Assert.Empty(a.Answers);
        var soa = Assert.IsType<SoaRecord>(Assert.Single(a.Authority));
        Assert.Equal("ns.dns.cluster.local", soa.MasterName.ToString(false).TrimEnd('.'));
    }

    [Fact]
    public void ExistingNameWithOtherType_IsNoDataWithSoa()
    {
        var a = Ask("myapp.default.svc.cluster.local", RecordType.Aaaa);

        Assert.Equal(ReturnCode.NoError, a.Code);
        Assert.Empty(a.Answers);
        Assert.IsType<SoaRecord>(Assert.Single(a.Authority));
        Assert.Equal(ReturnCode.NoError, Ask("default.svc.cluster.local", RecordType.A).Code);
        Assert.Equal(ReturnCode.NoError, Ask("empty.default.svc.cluster.local", RecordType.A).Code);
    }

    [Fact]
    public void ExternalNameService_IsCname()
    {
        var cname = Assert.IsType<CNameRecord>(Assert.Single(Ask("ext.default.svc.cluster.local", RecordType.A).Answers));
        Assert.Equal("example.org", cname.CanonicalName.ToString(false).TrimEnd('.'));
    }

    [Fact]
    public void PodName_ReturnsTheAddressSpelledInIt()
    {
        Assert.Equal(["10.244.1.9"], Addresses(Ask("10-244-1-9.default.pod.cluster.local", RecordType.A)));
        Assert.Equal(ReturnCode.NxDomain, Ask("not-an-ip.default.pod.cluster.local", RecordType.A).Code);
    }

    [Fact]
    public void NameOutsideDomain_IsForwarded()
    {
        Assert.True(Ask("example.org", RecordType.A).Forward);
        Assert.True(Ask("cluster.local.example.org", RecordType.A).Forward);
    }

    [Fact]
    public void OtherClusterDomain_IsServed()
    {
        var zone = ClusterZone.Build("corp.internal", [Svc("a", "10.96.0.30")], []);
        Assert.Equal("10.96.0.30", Assert.IsType<ARecord>(Assert.Single(Answerer.Answer(zone, DomainName.Parse("a.default.svc.corp.internal"), RecordType.A, 5).Answers)).Address.ToString());
        Assert.True(Answerer.Answer(zone, DomainName.Parse("a.default.svc.cluster.local"), RecordType.A, 5).Forward);
    }

    [Fact]
    public void ResolvConf_ReadsNameserversAndIgnoresComments()
    {
        var servers = ResolvConf.Nameservers("# hi\nsearch example.org\nnameserver 192.168.1.1\nnameserver 10.0.0.2 # x\n;nameserver 1.2.3.4\nnameserver fe80::1%eth0\noptions ndots:5\n");

        Assert.Equal(["192.168.1.1:53", "10.0.0.2:53", "[fe80::1]:53"], servers.Select(s => s.ToString()));
    }
}
