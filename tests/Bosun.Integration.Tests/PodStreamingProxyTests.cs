using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Bosun.Integration.Tests;

/// <summary>
/// pods/log, exec and portforward before anything reaches a node agent: how the API server resolves the pod's node and
/// answers when it cannot (Statuses as kube-apiserver words them). The real agent path is the Containers tier.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PodStreamingProxyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(string Ns, string Pod)> PodOnNodeAsync(V1NodeStatus? status)
    {
        var ns = await Server.NewNamespaceAsync("stream");
        var node = "n-" + Guid.NewGuid().ToString("N")[..8];
        await Server.Client.CoreV1.CreateNodeAsync(new V1Node { Metadata = new V1ObjectMeta { Name = node } });
        if (status is not null)
        {
            var n = await Server.Client.CoreV1.ReadNodeAsync(node);
            n.Status = status;
            await Server.Client.CoreV1.ReplaceNodeStatusAsync(n, node);
        }
        await Server.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "a", Image = "busybox" }, new V1Container { Name = "b", Image = "busybox" }] },
        }, ns);
        return (ns, "p");
    }

    private async Task<(int Code, JsonObject? Status, string Body)> GetAsync(string path, params (string, string)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (k, v) in headers) request.Headers.TryAddWithoutValidation(k, v);
        using var response = await Server.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        JsonObject? status = null;
        try { status = JsonNode.Parse(body) as JsonObject; } catch (System.Text.Json.JsonException) { }
        return ((int)response.StatusCode, status, body);
    }

    [Fact]
    public async Task Logs_of_a_multi_container_pod_without_container_name_the_choices()
    {
        var (ns, pod) = await PodOnNodeAsync(null);
        var (code, status, _) = await GetAsync($"/api/v1/namespaces/{ns}/pods/{pod}/log");
        Assert.Equal(400, code);
        Assert.Equal("a container name must be specified for pod p, choose one of: [a b]", (string?)status?["message"]);
    }

    [Fact]
    public async Task Logs_of_a_pod_whose_node_has_no_address_are_service_unavailable()
    {
        var (ns, pod) = await PodOnNodeAsync(null);
        var (code, status, _) = await GetAsync($"/api/v1/namespaces/{ns}/pods/{pod}/log?container=a");
        Assert.Equal(503, code);
        Assert.Contains("has no address", (string?)status?["message"]);
    }

    [Fact]
    public async Task Logs_of_a_pod_whose_node_reports_no_kubelet_port_are_service_unavailable()
    {
        var (ns, pod) = await PodOnNodeAsync(new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "127.0.0.1" }] });
        var (code, status, _) = await GetAsync($"/api/v1/namespaces/{ns}/pods/{pod}/log?container=a");
        Assert.Equal(503, code);
        Assert.Contains("kubeletEndpoint", (string?)status?["message"]);
    }

    [Fact]
    public async Task Exec_and_logs_when_the_agent_does_not_answer_are_service_unavailable()
    {
        var closedPort = ClosedLoopbackPort();
        var (ns, pod) = await PodOnNodeAsync(new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "127.0.0.1" }],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = closedPort } },
        });
        var p = await Server.Client.CoreV1.ReadNamespacedPodAsync(pod, ns);
        p.Status = new V1PodStatus
        {
            Phase = "Running",
            ContainerStatuses = [new V1ContainerStatus { Name = "a", Image = "busybox", ImageID = "", Ready = true, State = new V1ContainerState { Running = new V1ContainerStateRunning() } }],
        };
        await Server.Client.CoreV1.ReplaceNamespacedPodStatusAsync(p, pod, ns);
        var logs = await GetAsync($"/api/v1/namespaces/{ns}/pods/{pod}/log?container=a");
        Assert.Equal(503, logs.Code);

        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } })
        { DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Server.Host.Url, $"/api/v1/namespaces/{ns}/pods/{pod}/exec?command=ls&container=a&stdout=true"));
        request.Headers.Authorization = new("Bearer", Server.Host.AdminToken);
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "SPDY/3.1");
        request.Headers.TryAddWithoutValidation("X-Stream-Protocol-Version", "v4.channel.k8s.io");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("error dialing backend", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Exec_as_a_plain_request_is_refused_with_upgrade_required()
    {
        var (ns, pod) = await PodOnNodeAsync(new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "127.0.0.1" }],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = ClosedLoopbackPort() } },
        });
        var (code, status, _) = await GetAsync($"/api/v1/namespaces/{ns}/pods/{pod}/exec?command=ls&container=a");
        Assert.Equal(400, code);
        Assert.Equal("Upgrade request required", (string?)status?["message"]);
    }

    [Fact]
    public async Task Logs_of_a_pod_without_a_node_are_empty()
    {
        var ns = await Server.NewNamespaceAsync("stream");
        await Server.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "pending" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "a", Image = "busybox" }] },
        }, ns);
        var (code, _, body) = await GetAsync($"/api/v1/namespaces/{ns}/pods/pending/log");
        Assert.Equal(200, code);
        Assert.Equal("", body);
    }

    [Fact]
    public async Task Logs_of_a_container_that_has_not_started_say_it_is_waiting()
    {
        var (ns, pod) = await PodOnNodeAsync(null);
        var p = await Server.Client.CoreV1.ReadNamespacedPodAsync(pod, ns);
        p.Status = new V1PodStatus
        {
            ContainerStatuses = [new V1ContainerStatus { Name = "a", Image = "busybox", ImageID = "", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } } }],
        };
        await Server.Client.CoreV1.ReplaceNamespacedPodStatusAsync(p, pod, ns);
        var node = await Server.Client.CoreV1.ReadNodeAsync(p.Spec.NodeName);
        node.Status = new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "127.0.0.1" }],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = ClosedLoopbackPort() } },
        };
        await Server.Client.CoreV1.ReplaceNodeStatusAsync(node, node.Metadata.Name);
        var (code, status, _) = await GetAsync($"/api/v1/namespaces/{ns}/pods/{pod}/log?container=a");
        Assert.Equal(400, code);
        Assert.Equal("container \"a\" in pod \"p\" is waiting to start: ContainerCreating", (string?)status?["message"]);
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedLoopbackPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
