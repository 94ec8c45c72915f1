using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Bosun.Cri.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Server;

/// <summary>
/// The agent's HTTPS server on the kubelet port: container logs, exec, attach and port-forward for the API server, which
/// authenticates with a client certificate from the cluster CA. Paths are the kubelet's.
/// </summary>
internal sealed class AgentServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AgentServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<AgentServer> StartAsync(AgentServerOptions options, AgentPaths paths, RuntimeService.RuntimeServiceClient runtime,
        ILoggerFactory loggers, TimeProvider time, CancellationToken ct)
    {
        var ca = X509Certificate2.CreateFromPem(options.ClientCaPem);
        var policy = new ClientCertificatePolicy(ca, time);
        var serving = ServingCertificate.LoadOrCreate(Path.Combine(paths.Root, "tls"), Dns.GetHostName(), options.ServingNames, time);
        // Not the defaults: they watch the working directory recursively for appsettings.json changes (inotify on every
        // directory below it, woken by every file written there); the agent reads no configuration files.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.UseKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(options.BindAddress, options.Port, listen =>
            {
                // HTTP/1.1 only: every streaming request is an upgrade.
                listen.Protocols = HttpProtocols.Http1;
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serving,
                    SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                    ClientCertificateValidation = (cert, _, _) => policy.IsTrusted(cert),
                });
            });
        });
        var app = builder.Build();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        var locator = new ContainerLocator(runtime);
        var routes = new AgentRoutes(
            new ContainerLogsHandler(locator, paths, time),
            new RemoteCommandHandler(runtime, locator),
            new PortForwardHandler(runtime, locator),
            loggers.CreateLogger<AgentServer>());
        app.Run(routes.DispatchAsync);
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new AgentServer(app, new Uri(address.Replace("[::]", "localhost").Replace("0.0.0.0", "localhost")).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>The kubelet's streaming and log paths, split by hand (one place to read).</summary>
internal sealed class AgentRoutes(ContainerLogsHandler logs, RemoteCommandHandler commands, PortForwardHandler portForward, ILogger logger)
{
    public async Task DispatchAsync(HttpContext ctx)
    {
        var parts = (ctx.Request.Path.Value ?? "/").Trim('/').Split('/').Select(Uri.UnescapeDataString).ToArray();
        try
        {
            switch (parts)
            {
                case ["containerLogs", var ns, var pod, var c]:
                    await logs.HandleAsync(ctx, ns, pod, c);
                    break;
                case ["exec", var ns, var pod, var c]:
                    await commands.HandleAsync(ctx, attach: false, ns, pod, c);
                    break;
                case ["attach", var ns, var pod, var c]:
                    await commands.HandleAsync(ctx, attach: true, ns, pod, c);
                    break;
                case ["portForward", var ns, var pod]:
                    await portForward.HandleAsync(ctx, ns, pod);
                    break;
                case ["healthz"]:
                    await StreamRequest.ErrorAsync(ctx, 200, "ok");
                    break;
                default:
                    await StreamRequest.ErrorAsync(ctx, 404, "404 page not found");
                    break;
            }
        }
        catch (Grpc.Core.RpcException e) when (!ctx.Response.HasStarted)
        {
            logger.LogWarning(e, "CRI call failed for {Path}", ctx.Request.Path);
            await StreamRequest.ErrorAsync(ctx, e.StatusCode == Grpc.Core.StatusCode.NotFound ? 404 : 500, e.Status.Detail);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or System.Net.Sockets.SocketException && !ctx.Response.HasStarted)
        {
            logger.LogWarning(e, "streaming request failed for {Path}", ctx.Request.Path);
            await StreamRequest.ErrorAsync(ctx, 502, e.Message);
        }
    }
}
