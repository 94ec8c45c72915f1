using System.Net;
using System.Text.RegularExpressions;
using Bosun.Agent.Server;
using Bosun.Testing;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bosun.Containers.Tests.Streaming;

/// <summary>
/// A TestCluster API server, a private containerd and the agent's HTTPS server on 127.0.0.1, wired as a real node: a
/// Node object pointing at the agent's port, and a Pod bound to it whose sandbox and containers run in containerd with
/// the agent's CRI labels (the pod workers are not used). Containers: <c>main</c> (a first run that exited 3, then a
/// running second run), <c>web</c> (busybox httpd on 8080), <c>counter</c>, <c>chatty</c> and <c>talker</c> (started by the
/// follow, rotation and attach tests).
/// </summary>
public sealed class StreamingClusterFixture : IAsyncLifetime
{
    public const string Namespace = "default";
    public const string PodName = "streamer";
    public const string Uid = "6b1f3c7e-0000-4000-8000-00000000a11c";
    public const string WebPage = "hello-from-httpd";

    internal StreamingNode Node { get; private set; } = null!;
    internal TestCluster Cluster { get; private set; } = null!;
    internal AgentServer Agent { get; private set; } = null!;
    internal string SandboxId { get; private set; } = "";
    private string _home = "";

    internal KubectlRunner Kubectl(string binary) => new(binary, Cluster.KubeconfigPath, _home);

    public async Task InitializeAsync()
    {
        Node = await StreamingNode.StartAsync();
        Cluster = await TestCluster.StartAsync();
        _home = Path.Combine(Node.DataDir, "home");
        Directory.CreateDirectory(_home);
        Agent = await AgentServer.StartAsync(
            new AgentServerOptions { Port = 0, BindAddress = IPAddress.Loopback, ClientCaPem = Cluster.AgentCaPem },
            Node.Paths, Node.Cri.Runtime, NullLoggerFactory.Instance, TimeProvider.System, CancellationToken.None);

        var nodeName = "stream-" + Node.Id;
        await Cluster.Api.CreateAsync<V1Node>(null, new V1Node { Metadata = new V1ObjectMeta { Name = nodeName } }, default);
        var node = await Cluster.Api.GetAsync<V1Node>(null, nodeName, default);
        node.Status = new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "127.0.0.1" }, new V1NodeAddress { Type = "Hostname", Address = nodeName }],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = Agent.Port } },
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }],
        };
        await Cluster.Api.UpdateStatusAsync(null, nodeName, node, default);

        var pod = await Cluster.Api.CreateAsync(Namespace, new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = PodName },
            Spec = new V1PodSpec
            {
                NodeName = nodeName,
                Containers = [Container("main"), Container("web"), Container("counter"), Container("chatty"), Container("talker", stdin: true)],
            },
        }, default);

        SandboxId = await Node.RunSandboxAsync(Namespace, PodName, pod.Metadata.Uid, default);
        var first = await Node.RunContainerAsync(SandboxId, Namespace, PodName, pod.Metadata.Uid, "main", 0, ["sh", "-c", "echo first-run; exit 3"], default);
        await Node.WaitExitedAsync(first, default);
        await Node.RunContainerAsync(SandboxId, Namespace, PodName, pod.Metadata.Uid, "main", 1,
            ["sh", "-c", "echo second-run; for i in 1 2 3 4 5; do echo line-$i; done; sleep 0.5; echo to-stderr >&2; exec sleep 100000"], default);
        await Node.RunContainerAsync(SandboxId, Namespace, PodName, pod.Metadata.Uid, "web", 0,
            ["sh", "-c", $"mkdir -p /www && echo {WebPage} > /www/index.html && exec httpd -f -p 8080 -h /www"], default);
        PodUid = pod.Metadata.Uid;

        pod.Status = new V1PodStatus
        {
            Phase = "Running",
            ContainerStatuses = new[] { "main", "web", "counter", "chatty", "talker" }.Select(c => new V1ContainerStatus
            {
                Name = c, Image = StreamingNode.Image, ImageID = "", Ready = true, RestartCount = c == "main" ? 1 : 0,
                State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } },
                LastState = c == "main"
                    ? new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 3, ContainerID = "containerd://" + first, Reason = "Error" } }
                    : null,
            }).ToList(),
        };
        await Cluster.Api.UpdateStatusAsync(Namespace, PodName, pod, default);
    }

    internal string PodUid { get; private set; } = "";

    private static V1Container Container(string name, bool stdin = false) =>
        new() { Name = name, Image = StreamingNode.Image, Stdin = stdin, StdinOnce = stdin };

    public async Task DisposeAsync()
    {
        if (Agent is not null) await Agent.DisposeAsync();
        if (Cluster is not null) await Cluster.DisposeAsync();
        if (Node is not null) await Node.DisposeAsync();
    }
}
