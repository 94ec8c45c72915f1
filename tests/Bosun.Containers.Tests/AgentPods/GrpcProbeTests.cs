using System.Net;
using Bosun.Client;
using Bosun.Testing;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Bosun.Containers.Tests.AgentPods.TestPods;

namespace Bosun.Containers.Tests.AgentPods;

/// <summary>
/// A grpc liveness probe against a real gRPC health server (HTTP/2, grpc.health.v1.Health/Check). busybox cannot serve
/// gRPC, so the pod is a hostNetwork pod — its IP is the node's, 127.0.0.1 — and the health server is the test's, on
/// a loopback port: the probe path (agent → pod IP:port over h2c) and the restart it causes are the real ones.
/// </summary>
[Collection(AgentCollection.Name)]
[Trait("Category", "Containers")]
public sealed class GrpcProbeTests(AgentCluster fixture)
{
    private ApiClient Api => fixture.Cluster.Api;

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    [Fact]
    public async Task Pod_GrpcLivenessProbe_ServingKeepsIt_NotServingRestartsTheContainer()
    {
        await using var health = await GrpcHealthServer.StartAsync();
        var node = Unique("node");
        await using var agent = await fixture.StartAgentAsync(node);
        var name = Unique("grpc");
        var app = Busybox("app", "sleep 3600");
        app.LivenessProbe = new V1Probe { Grpc = new V1GRPCAction { Port = health.Port }, PeriodSeconds = 1, FailureThreshold = 1 };
        var pod = Pod(name, node, "Always", app);
        pod.Spec.HostNetwork = true;
        await CreateAsync(Api, pod);

        await WaitAsync(Api, name, p => p.Status?.Phase == "Running" && IsReady(p), TimeSpan.FromSeconds(60), "pod Running");
        await TestCluster.EventuallyAsync(() => Task.FromResult(health.Checks >= 3), TimeSpan.FromSeconds(20), "three health checks");
        Assert.Equal(0, (await GetAsync(Api, name)).Status.ContainerStatuses[0].RestartCount);

        health.Serving = false;
        await WaitAsync(Api, name, p => p.Status?.ContainerStatuses?[0].RestartCount >= 1, TimeSpan.FromSeconds(60), "container restarted");
        health.Serving = true;
        var events = (await Api.ListAsync<Corev1EventList>(typeof(Corev1Event), "default", ListQuery.Everything, CancellationToken.None)).Items
            .Where(e => e.InvolvedObject.Name == name).ToList();
        Assert.Contains(events, e => e.Reason == "Unhealthy" && e.Message == "Liveness probe failed: service unhealthy (responded with \"NOT_SERVING\")");
        await DeleteAndWaitAsync(Api, name);
    }

    /// <summary>grpc.health.v1 Check over cleartext HTTP/2 (Kestrel), answering SERVING or NOT_SERVING.</summary>
    private sealed class GrpcHealthServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _checks;

        private GrpcHealthServer(WebApplication app) => _app = app;

        public int Port { get; private set; }
        public bool Serving { get; set; } = true;
        public int Checks => Volatile.Read(ref _checks);

        public static async Task<GrpcHealthServer> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2));
            var app = builder.Build();
            var server = new GrpcHealthServer(app);
            app.MapPost("/grpc.health.v1.Health/Check", server.CheckAsync);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            server.Port = new Uri(address).Port;
            return server;
        }

        private async Task CheckAsync(HttpContext context)
        {
            Interlocked.Increment(ref _checks);
            await context.Request.Body.CopyToAsync(Stream.Null);
            context.Response.ContentType = "application/grpc";
            // One uncompressed message (5-byte prefix) of HealthCheckResponse { status = 1 SERVING | 2 NOT_SERVING }.
            byte[] message = [0, 0, 0, 0, 2, 0x08, (byte)(Serving ? 1 : 2)];
            await context.Response.Body.WriteAsync(message);
            context.Response.AppendTrailer("grpc-status", "0");
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
