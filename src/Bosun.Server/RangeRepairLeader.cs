using Bosun.ApiServer;
using Bosun.Client;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// Runs the Service cluster IP / node port repair loop only while this server holds the
/// <c>kube-system/bosun-service-range-repair</c> Lease: the bitmaps are shared, so one server repairs them at a time.
/// </summary>
internal static class RangeRepairLeader
{
    public const string LeaseName = "bosun-service-range-repair";

    /// <summary>kube-apiserver repairs its ranges every 3 minutes.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(3);

    public static Task Start(ServerConfig config, ApiClient api, ApiServerHost server, ILoggerFactory loggers, CancellationToken ct)
    {
        var identity = $"{Environment.MachineName}_{Guid.NewGuid():N}";
        var elector = LeaderElector.WithLeaseDuration(api, "kube-system", LeaseName, identity,
            loggers.CreateLogger<LeaderElector>(), TimeProvider.System, config.LeaseDuration);
        return Task.Run(() => elector.RunAsync(t => server.RunServiceRangeRepairAsync(Interval, TimeProvider.System, t), ct), ct);
    }
}
