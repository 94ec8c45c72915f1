using System.Net;

namespace Bosun.Client.Tests;

/// <summary>The failover handler's choices, over a fake transport that refuses or answers per server.</summary>
public sealed class ServerFailoverTests
{
    private static readonly Uri A = new("https://127.0.0.1:6443/");
    private static readonly Uri B = new("https://127.0.0.1:6444/");
    private static readonly Uri C = new("https://127.0.0.1:6445/");

    /// <summary>Answers 200 unless the request's server is down (connect refused) or dies mid-answer.</summary>
    private sealed class Transport : HttpMessageHandler
    {
        public HashSet<int> Down { get; } = [];
        public HashSet<int> DiesMidAnswer { get; } = [];
        public List<string> Sent { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var uri = request.RequestUri!;
            lock (Sent) Sent.Add($"{uri.Port}{uri.PathAndQuery}");
            if (Down.Contains(uri.Port))
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:" + uri.Port + ")");
            if (DiesMidAnswer.Contains(uri.Port))
                throw new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    private static (HttpClient Http, ServerFailover Failover, Transport Transport) Client(params Uri[] servers)
    {
        var transport = new Transport();
        var failover = new ServerFailover(servers) { InnerHandler = transport };
        return (new HttpClient(failover) { BaseAddress = servers[0] }, failover, transport);
    }

    [Fact]
    public async Task CurrentServerRefusesConnections_RequestGoesToTheNext_AndStaysThere()
    {
        var (http, failover, transport) = Client(A, B);
        transport.Down.Add(A.Port);

        (await http.GetAsync("/api/v1/nodes?limit=1")).EnsureSuccessStatusCode();
        (await http.GetAsync("/api/v1/pods")).EnsureSuccessStatusCode();

        Assert.Equal(["6443/api/v1/nodes?limit=1", "6444/api/v1/nodes?limit=1", "6444/api/v1/pods"], transport.Sent);
        Assert.Equal(B, failover.Current);
    }

    [Fact]
    public async Task ServerDiesMidAnswer_ErrorReachesTheCaller_WithoutResending()
    {
        var (http, failover, transport) = Client(A, B);
        transport.DiesMidAnswer.Add(A.Port);

        await Assert.ThrowsAsync<HttpRequestException>(() => http.PostAsync("/api/v1/namespaces/default/pods", new StringContent("{}")));

        Assert.Equal(["6443/api/v1/namespaces/default/pods"], transport.Sent);
        Assert.Equal(A, failover.Current);
    }

    [Fact]
    public async Task EveryServerRefuses_ThrowsAfterTryingEachOnce()
    {
        var (http, _, transport) = Client(A, B, C);
        transport.Down.UnionWith([A.Port, B.Port, C.Port]);

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/version"));

        Assert.Equal(HttpRequestError.ConnectionError, e.HttpRequestError);
        Assert.Equal(["6443/version", "6444/version", "6445/version"], transport.Sent);
    }

    [Fact]
    public async Task SetServers_KeepsTheCurrentServer_AndTheConfiguredOnesAsLastResort()
    {
        var (http, failover, transport) = Client(A);
        failover.SetServers([B, C]);
        Assert.Equal(A, failover.Current);
        Assert.Equal([B, C, A], failover.Servers);

        transport.Down.Add(A.Port);
        (await http.GetAsync("/healthz")).EnsureSuccessStatusCode();

        Assert.Equal(B, failover.Current);
        failover.SetServers([C, B]);
        Assert.Equal(B, failover.Current);
    }

    [Fact]
    public void ServersFrom_ListsEveryAddressWithItsSubsetsHttpsPort()
    {
        var endpoints = new k8s.Models.V1Endpoints
        {
            Subsets =
            [
                new() { Addresses = [new() { Ip = "10.0.0.1" }, new() { Ip = "10.0.0.2" }], Ports = [new() { Name = "https", Port = 6443 }] },
                new() { Addresses = [new() { Ip = "fd00::3" }], Ports = [new() { Name = "https", Port = 7443 }] },
                new() { Addresses = [new() { Ip = "not-an-ip" }], Ports = [new() { Name = "https", Port = 1 }] },
            ],
        };

        var servers = ApiServerEndpoints.ServersFrom(endpoints);

        Assert.Equal(["https://10.0.0.1:6443/", "https://10.0.0.2:6443/", "https://[fd00::3]:7443/"], servers.Select(s => s.ToString()));
    }
}
