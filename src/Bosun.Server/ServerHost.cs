using System.Runtime.InteropServices;
using Bosun.ApiServer;
using Bosun.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Bosun.Server;

/// <summary>
/// The composition root of <c>bosun server</c>: opens the datastore, starts the API server, and stops everything
/// in reverse order on SIGTERM or SIGINT.
/// </summary>
internal static partial class ServerHost
{
    public static async Task<int> RunAsync(ServerConfig config, CancellationToken ct)
    {
        using var loggers = CreateLoggers(config.JsonLogs);
        var logger = loggers.CreateLogger("bosun");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        Log.Starting(logger, config.DataDir, config.Datastore.ToString());
        await using var storage = await config.Datastore.OpenAsync(stop.Token);
        var apiConfig = new ApiServerConfig
        {
            StateDirectory = Path.Combine(config.DataDir, "server"),
            BindAddress = config.BindAddress,
            Port = config.Port,
            KubeconfigPath = config.KubeconfigPath,
            ServiceCidr = config.ServiceCidr,
            ClusterDomain = config.ClusterDomain,
        };
        ApiServerHost server;
        try
        {
            server = await ApiServerHost.StartAsync(apiConfig, storage, loggers, TimeProvider.System, stop.Token);
        }
        catch (ApiServerStartException e)
        {
            await Console.Error.WriteLineAsync($"bosun server: {e.Message}");
            return 1;
        }
        await using (server)
        {
            Log.Ready(logger, server.Url, config.KubeconfigPath);
            using var api = ApiClient.FromKubeconfig(config.KubeconfigPath, "bosun-server");
            var components = ControlPlane.Start(config, api, server.Pki.CaPem, loggers, stop.Token);
            AgentRunner? agent = null;
            if (!config.DisableAgent)
            {
                try
                {
                    agent = await AgentRunner.StartAsync(AgentOptionsFor(config), config.NoInstall, api, loggers, stop.Token);
                }
                catch (Exception e) when (e is InvalidOperationException or FormatException or Agent.Runtime.HostDependencyException or Agent.Runtime.ContainerdException)
                {
                    await Console.Error.WriteLineAsync($"bosun server: node agent: {e.Message}");
                    stop.Cancel();
                    await ControlPlane.StopAsync(components, logger);
                    return 1;
                }
            }
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                Log.Stopping(logger);
            }
            if (agent is not null) await agent.DisposeAsync();
            await ControlPlane.StopAsync(components, logger);
        }
        return 0;
    }

    /// <summary>The built-in agent: same data dir and cluster DNS settings as the server.</summary>
    private static Agent.AgentOptions AgentOptionsFor(ServerConfig config) => new()
    {
        NodeName = config.NodeName,
        DataDir = config.DataDir,
        RuntimeEndpoint = config.ContainerRuntimeEndpoint ?? "",
        NodeIp = config.NodeIp,
        ClusterDns = config.ClusterDns.Equals(System.Net.IPAddress.None) ? null : config.ClusterDns.ToString(),
        ClusterDomain = config.ClusterDomain,
        CgroupRoot = config.CgroupRoot,
    };

    private static ILoggerFactory CreateLoggers(bool json) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(LogLevel.Information);
        b.AddFilter("Microsoft", LogLevel.Warning);
        if (json) b.AddJsonConsole(o => o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ");
        else b.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    });

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Starting bosun server: data dir {DataDir}, datastore {Datastore}")]
        public static partial void Starting(ILogger logger, string dataDir, string datastore);

        [LoggerMessage(Level = LogLevel.Information, Message = "API server ready at {Url}; admin kubeconfig written to {Kubeconfig}")]
        public static partial void Ready(ILogger logger, Uri url, string kubeconfig);

        [LoggerMessage(Level = LogLevel.Information, Message = "Stopping")]
        public static partial void Stopping(ILogger logger);
    }
}
