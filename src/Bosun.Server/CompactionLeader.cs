using Bosun.ApiServer.Bootstrap;
using Bosun.Client;
using Bosun.Storage;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// Runs the storage <see cref="Compactor"/> only while this server holds the <c>kube-system/bosun-compactor</c> Lease,
/// so that of several servers on one datastore exactly one compacts (and each revision is compacted once).
/// </summary>
internal static class CompactionLeader
{
    public const string LeaseName = "bosun-compactor";

    public static Task Start(ServerConfig config, ApiClient api, IKeyValueStore storage, ILoggerFactory loggers, CancellationToken ct)
    {
        var identity = $"{Environment.MachineName}_{Guid.NewGuid():N}";
        var elector = LeaderElector.WithLeaseDuration(api, "kube-system", LeaseName, identity,
            loggers.CreateLogger<LeaderElector>(), TimeProvider.System, config.LeaseDuration);
        var compactor = new Compactor(storage, config.Compaction, TimeProvider.System, loggers.CreateLogger<Compactor>());
        return Task.Run(() => elector.RunAsync(compactor.RunAsync, ct), ct);
    }
}
