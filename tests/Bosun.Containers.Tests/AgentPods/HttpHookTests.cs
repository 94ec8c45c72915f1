using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Bosun.Client;
using Bosun.Testing;
using k8s.Models;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// httpGet postStart and preStop hooks on a real container. The hooks name a host (<c>httpGet.host</c>): a listener
/// of the test on loopback, which records when each hook arrives.
/// </summary>
[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class HttpHookTests(AgentCluster fixture)
{
    private ApiClient Api => fixture.Cluster.Api;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    [Fact]
    public async Task Pod_HttpGetHooks_PostStartOnStart_PreStopOnDeleteBeforeTheContainerStops()
    {
        var port = FreeLoopbackPort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var calls = new ConcurrentQueue<string>();
        var serve = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { return; }
                calls.Enqueue($"{context.Request.Url!.PathAndQuery} {context.Request.UserAgent}");
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("hooks");
        var app = Busybox("app", "trap 'exit 0' TERM; while true; do sleep 1; done");
        app.Lifecycle = new V1Lifecycle
        {
            PostStart = new V1LifecycleHandler { HttpGet = new V1HTTPGetAction { Host = "127.0.0.1", Port = port, Path = "/poststart" } },
            PreStop = new V1LifecycleHandler { HttpGet = new V1HTTPGetAction { Host = "127.0.0.1", Port = port, Path = "/prestop" } },
        };
        await CreateAsync(Api, Pod(name, node, "Always", app));

        await WaitAsync(Api, name, p => p.Status?.Phase == "Running" && IsReady(p), TimeSpan.FromSeconds(60), "pod Running");
        Assert.Equal(["/poststart"], calls.Select(c => c.Split(' ')[0]));

        await DeleteAndWaitAsync(Api, name);
        Assert.Equal(["/poststart", "/prestop"], calls.Select(c => c.Split(' ')[0]));
        listener.Stop();
        await serve;
    }

    private static int FreeLoopbackPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
