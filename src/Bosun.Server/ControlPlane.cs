using Bosun.Client;
using Bosun.Controllers;
using Microsoft.Extensions.Logging;

namespace Bosun.Server;

/// <summary>
/// The control-plane components that run beside the API server as its clients: the controller manager and
/// the scheduler. Each campaigns for its own Lease, so with several servers one copy of each is active.
/// </summary>
internal static partial class ControlPlane
{
    public static List<Task> Start(ServerConfig config, ApiClient controllerApi, ApiClient schedulerApi, ILoggerFactory loggers, CancellationToken ct)
    {
        var identity = $"{Environment.MachineName}_{Guid.NewGuid():N}";
        var tasks = new List<Task>();
        if (!config.DisableControllerManager)
        {
            var options = new ControllerManagerOptions
            {
                ClusterCidr = config.ClusterCidr.ToString(),
                NodeMonitorGracePeriod = config.NodeMonitorGracePeriod,
                LeaderElectLeaseDuration = config.LeaseDuration,
            };
            tasks.Add(Task.Run(() => new ControllerManager(controllerApi, loggers, TimeProvider.System, identity, options).RunAsync(ct), ct));
        }
        if (!config.DisableScheduler)
        {
            var options = new Scheduler.SchedulerOptions { LeaderElectLeaseDuration = config.LeaseDuration };
            tasks.Add(Task.Run(() => new Scheduler.Scheduler(schedulerApi, loggers, TimeProvider.System, options).RunAsync(ct), ct));
        }
        return tasks;
    }

    /// <summary>Waits for every component to finish after cancellation; failures are logged, not rethrown.</summary>
    public static async Task StopAsync(List<Task> components, ILogger logger)
    {
        foreach (var task in components)
        {
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception e)
            {
                Log.ComponentFailed(logger, e);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "A control-plane component failed")]
        public static partial void ComponentFailed(ILogger logger, Exception e);
    }
}
