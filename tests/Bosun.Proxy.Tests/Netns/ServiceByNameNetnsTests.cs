using System.Net;
using System.Net.Sockets;
using System.Text;
using ARSoft.Tools.Net.Dns;
using Bosun.Dns;
using Bosun.Proxy.Iptables;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Bosun.Proxy.Tests.Netns;

/// <summary>
/// The seed's statement as one test: "the client accesses the Service name, resolved by the cluster DNS, then
/// DNAT'd to a pod". The DNS listens on the node's address inside the lab's node namespace and publishes itself as
/// kube-dns (10.96.0.10); the proxy turns that Service and the app's Service into rules; a client pod asks
/// 10.96.0.10 for the name, then connects to the answer.
/// </summary>
[Trait("Category", "Containers")]
public sealed class ServiceByNameNetnsTests(ITestOutputHelper output)
{
    [RootFact]
    public async Task ClientPod_ResolvesServiceNameThroughKubeDnsClusterIp_AndReachesAPod()
    {
        await using var lab = await NetLab.CreateAsync();
        await using var cluster = await TestCluster.StartAsync();
        using var stop = new CancellationTokenSource();
        string[] ips = ["10.244.0.11", "10.244.0.12"];
        var backends = new List<Backend>();
        Task? proxy = null, dns = null;
        try
        {
            for (var i = 0; i < ips.Length; i++) backends.Add(new Backend(await lab.AddPodAsync($"p{i}", ips[i]), $"pod-{i}", 8080));
            var client = await lab.AddPodAsync("cl", "10.244.0.50");

            var runner = new ProxyRunner(cluster.Api, new ProxyOptions
            {
                NodeName = "node-a", NodeAddresses = [IPAddress.Parse(NetLab.NodeAddress)], ClusterCidr = IPNetwork.Parse("10.244.0.0/16"),
                NetworkNamespace = lab.Node, MinSyncInterval = TimeSpan.FromMilliseconds(100),
            }, new IptablesExecutor(lab.Node), NullLoggerFactory.Instance, TimeProvider.System);
            proxy = runner.RunAsync(stop.Token);
            var dnsRunner = new DnsRunner(cluster.Api, new DnsOptions
            {
                ListenAddress = IPAddress.Parse(NetLab.NodeAddress), Port = 53, Upstreams = [],
                Publish = new KubeDnsPublication(IPAddress.Parse("10.96.0.10"), "node-a"),
            }, NullLoggerFactory.Instance, TimeProvider.System)
            { StartServer = start => NetnsSockets.RunIn(lab.Node, start) };
            dns = dnsRunner.RunAsync(stop.Token);

            var api = cluster.Api;
            var svc = await api.CreateAsync("default", new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "myapp" },
                Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080 }] },
            }, CancellationToken.None);
            await api.CreateAsync("default", new V1EndpointSlice
            {
                Metadata = new V1ObjectMeta { Name = "myapp-1", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "myapp" } },
                AddressType = "IPv4",
                Ports = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
                Endpoints = ips.Select(ip => new V1Endpoint { Addresses = [ip], NodeName = "node-a", Conditions = new V1EndpointConditions { Ready = true } }).ToList(),
            }, CancellationToken.None);

            string? resolved = null;
            await TestCluster.EventuallyAsync(async () => (resolved = await ResolveAsync(client, "myapp.default.svc.cluster.local")) is not null,
                TimeSpan.FromSeconds(15), "the name resolves through 10.96.0.10");
            Assert.Equal(svc.Spec.ClusterIP, resolved);

            var names = new HashSet<string>();
            for (var i = 0; i < 20; i++)
            {
                var ip = await ResolveAsync(client, "myapp.default.svc.cluster.local");
                var reply = await Client.TcpAsync(client, ip!, 80);
                Assert.True(reply.Name is not null, $"connect to {ip}: {reply}");
                names.Add(reply.Name!);
            }
            output.WriteLine($"myapp → {resolved} → {string.Join(", ", names)}");
            Assert.Equal(["pod-0", "pod-1"], names.Order());
        }
        finally
        {
            await stop.CancelAsync();
            if (proxy is not null) await proxy;
            if (dns is not null) await dns;
            foreach (var b in backends) b.Dispose();
        }
    }

    /// <summary>One A query over UDP from inside <paramref name="netns"/> to kube-dns; the first address, or null.</summary>
    private static async Task<string?> ResolveAsync(string netns, string name)
    {
        using var socket = NetnsSockets.Create(netns, SocketType.Dgram, ProtocolType.Udp);
        using var timeout = new CancellationTokenSource(1000);
        try
        {
            await socket.ConnectAsync(IPAddress.Parse("10.96.0.10"), 53, timeout.Token);
            var query = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
            foreach (var label in name.Split('.'))
            {
                query.Add((byte)label.Length);
                query.AddRange(Encoding.ASCII.GetBytes(label));
            }
            query.AddRange([0, 0, 1, 0, 1]);
            await socket.SendAsync(query.ToArray(), timeout.Token);
            var buffer = new byte[512];
            var n = await socket.ReceiveAsync(buffer, timeout.Token);
            var answer = DnsMessage.Parse(new ArraySegment<byte>(buffer, 0, n));
            return answer.AnswerRecords.OfType<ARecord>().FirstOrDefault()?.Address.ToString();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException) { return null; }
    }
}
