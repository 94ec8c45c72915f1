using Bosun.ApiServer.Security;
using System.Runtime.InteropServices;
using Bosun.ApiServer;
using Bosun.Client;
using Bosun.Client.Memory;
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
        await using var storage = await OpenDatastoreAsync(config, stop.Token);
        if (storage is null) return 1;
        await WarnAboutSlowEtcdAsync(storage, logger, stop.Token);
        if (!await SharedBootstrap.TryEnsureAsync(config, storage, logger, stop.Token)) return 1;
        var apiConfig = new ApiServerConfig
        {
            StateDirectory = Path.Combine(config.DataDir, "server"),
            BindAddress = config.BindAddress,
            Port = config.Port,
            KubeconfigPath = config.KubeconfigPath,
            ServiceCidr = config.ServiceCidr,
            ClusterDomain = config.ClusterDomain,
            CompactionInterval = TimeSpan.Zero,   // CompactionLeader compacts, on one server at a time
            SecretsEncryption = config.SecretsEncryption,
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
            await PrintJoinCommandAsync(api, config, server, logger, stop.Token);
            // The scheduler and the controller manager run under their own identities and RBAC roles.
            // Their kubeconfigs are rewritten when certificates rotate; these clients follow the files.
            using var schedulerApi = ApiClient.FromKubeconfig(ComponentCredentials.KubeconfigPath(apiConfig.StateDirectory, "scheduler"), "bosun-scheduler");
            using var controllerApi = ApiClient.FromKubeconfig(ComponentCredentials.KubeconfigPath(apiConfig.StateDirectory, "controller"), "bosun-controller-manager");
            var components = ControlPlane.Start(config, controllerApi, schedulerApi, loggers, stop.Token);
            components.Add(CompactionLeader.Start(config, api, storage, loggers, stop.Token));
            components.Add(RangeRepairLeader.Start(config, api, server, loggers, stop.Token));
            // Start-up (PKI, bootstrap objects, informer lists) grows the GC heap and malloc arenas far above what an
            // idle server keeps using; return it once the server is quiet. The built-in agent runs its own trimmer.
            if (config.DisableAgent)
                components.Add(Task.Run(() => new MemoryTrimmer(TrimPolicy.CreateForServer(), TimeProvider.System,
                    loggers.CreateLogger<MemoryTrimmer>()).RunAsync(stop.Token), stop.Token));
            AgentRunner? agent = null;
            if (!config.DisableAgent)
            {
                try
                {
                    agent = await AgentRunner.StartAsync(AgentOptionsFor(config, server.Pki.CaPem, server.Pki.AgentCaPem), config.NoInstall, api, loggers, stop.Token);
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
    private static Agent.AgentOptions AgentOptionsFor(ServerConfig config, string caPem, string agentCaPem) => new()
    {
        NodeName = config.NodeName,
        DataDir = config.DataDir,
        RuntimeEndpoint = config.ContainerRuntimeEndpoint ?? "",
        NodeIp = config.NodeIp,
        ClusterDns = config.ClusterDns.Equals(System.Net.IPAddress.None) ? null : config.ClusterDns.ToString(),
        ClusterDomain = config.ClusterDomain,
        StreamingPort = config.KubeletPort,
        CgroupRoot = config.CgroupRoot,
        ResolvConf = config.ResolvConf,
        ClusterCaPem = caPem,
        StreamingClientCaPem = agentCaPem,
        ClusterCidr = config.ClusterCidr.ToString(),
        RunServiceProxy = !config.DisableKubeProxy,
        RunPodNetwork = config.RunPodNetwork,
        RunClusterDns = !config.DisableClusterDns,
    };

    /// <summary>The open store, or null after telling the user why it cannot be reached (etcd down, bad TLS files).</summary>
    private static async Task<Bosun.Storage.IKeyValueStore?> OpenDatastoreAsync(ServerConfig config, CancellationToken ct)
    {
        try
        {
            return await config.Datastore.OpenAsync(ct);
        }
        catch (Exception e) when (e is Bosun.Storage.StorageException or System.Security.Cryptography.CryptographicException or IOException)
        {
            await Console.Error.WriteLineAsync($"bosun server: cannot open the datastore {config.Datastore}: {e.Message}");
            return null;
        }
    }

    /// <summary>etcd 3.4 runs transactions (every create, update, delete) at a fraction of its put rate: say so once, with the remedy.</summary>
    private static async Task WarnAboutSlowEtcdAsync(Bosun.Storage.IKeyValueStore storage, ILogger logger, CancellationToken ct)
    {
        if (storage is not Bosun.Storage.Etcd.EtcdStore etcd)
            return;
        var version = await etcd.MemberVersionAsync(ct);
        if (version is not null && Bosun.Storage.Etcd.EtcdVersion.CopiesWriteBufferPerTransaction(version))
            Log.SlowEtcdTransactions(logger, version);
    }

    /// <summary>The server's own bootstrap token (<c>server/node-token</c>, no expiry, as k3s's) and the command that joins a node with it.</summary>
    private static async Task PrintJoinCommandAsync(ApiClient api, ServerConfig config, ApiServerHost server, ILogger logger, CancellationToken ct)
    {
        var token = Bosun.ApiServer.Security.Bootstrap.JoinCommand.EnsureNodeToken(Path.Combine(config.DataDir, "server"));
        var secret = Bosun.ApiServer.Security.Bootstrap.BootstrapToken.Secret(token, null, DateTimeOffset.UtcNow, "bosun server's node token");
        if (await api.TryGetAsync<k8s.Models.V1Secret>(secret.Metadata.NamespaceProperty, secret.Metadata.Name, ct) is null)
            await api.CreateAsync(secret.Metadata.NamespaceProperty, secret, ct);
        var advertise = ApiServerHost.AdvertiseAddress(config.BindAddress);
        var url = new Uri($"https://{advertise}:{server.Url.Port}");
        Log.JoinCommand(logger, Bosun.ApiServer.Security.Bootstrap.JoinCommand.Format(url, token, server.Pki.CaPem));
    }

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
        [LoggerMessage(Level = LogLevel.Information, Message = "To join a node: {Command}")]
        public static partial void JoinCommand(ILogger logger, string command);

        [LoggerMessage(Level = LogLevel.Information, Message = "Starting bosun server: data dir {DataDir}, datastore {Datastore}")]
        public static partial void Starting(ILogger logger, string dataDir, string datastore);

        [LoggerMessage(Level = LogLevel.Information, Message = "API server ready at {Url}; admin kubeconfig written to {Kubeconfig}")]
        public static partial void Ready(ILogger logger, Uri url, string kubeconfig);

        [LoggerMessage(Level = LogLevel.Warning, Message = "etcd {Version} copies its buffer of uncommitted writes for every transaction, so creates and updates cost it several times a put; " +
            "use etcd 3.5 or later, or start etcd with --backend-batch-interval=10ms (docs/multi-server.md, \"etcd settings for write throughput\")")]
        public static partial void SlowEtcdTransactions(ILogger logger, string version);

        [LoggerMessage(Level = LogLevel.Information, Message = "Stopping")]
        public static partial void Stopping(ILogger logger);
    }
}
