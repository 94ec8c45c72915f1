using Bosun.Cri.V1;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Logs;

/// <summary>
/// Rotates the CRI log files of the agent's running containers by size (default 10 MiB, 5 files, the kubelet's
/// <c>containerLogMaxSize</c>/<c>containerLogMaxFiles</c>): rename the file, then <c>ReopenContainerLog</c> so the runtime
/// writes to a fresh file at the same path. Run it every few seconds (<see cref="RunAsync"/>).
/// </summary>
internal sealed class LogRotator(RuntimeService.RuntimeServiceClient runtime, ILogger logger, TimeProvider time,
    long maxSize = LogRotator.DefaultMaxSize, int maxFiles = LogRotator.DefaultMaxFiles)
{
    public const long DefaultMaxSize = 10 * 1024 * 1024;
    public const int DefaultMaxFiles = 5;

    // A container's log path never changes: asking ContainerStatus once per container, not on every pass, keeps an
    // idle pass to one ListContainers call (50 pods cost 50 status calls every 10 s before).
    private readonly Dictionary<string, string> logPaths = new(StringComparer.Ordinal);

    public async Task RunAsync(TimeSpan interval, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try { await RotateAllAsync(ct); }
            catch (Exception e) when (e is Grpc.Core.RpcException or IOException)
            {
                logger.LogWarning(e, "log rotation pass failed");
            }
            await Task.Delay(interval, time, ct);
        }
    }

    /// <summary>One pass over the agent's running containers.</summary>
    public async Task RotateAllAsync(CancellationToken ct)
    {
        var filter = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } };
        filter.LabelSelector[CriLabels.ManagedBy] = CriLabels.ManagedByValue;
        var list = await runtime.ListContainersAsync(new ListContainersRequest { Filter = filter }, cancellationToken: ct);
        var running = list.Containers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in logPaths.Keys.Where(id => !running.Contains(id)).ToList()) logPaths.Remove(gone);
        foreach (var c in list.Containers) await RotateAsync(c.Id, ct);
    }

    public async Task RotateAsync(string containerId, CancellationToken ct)
    {
        if (!logPaths.TryGetValue(containerId, out var path))
        {
            var status = (await runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, cancellationToken: ct)).Status;
            path = status?.LogPath ?? "";
            logPaths[containerId] = path;
        }
        if (string.IsNullOrEmpty(path) || !File.Exists(path)) return;
        var dir = Path.GetDirectoryName(path)!;
        // Not GetFiles("0.log.*"): .NET's pattern also matches "0.log" itself.
        var rotated = Directory.GetFiles(dir).Where(f => f.StartsWith(path + ".", StringComparison.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal)).ToList();
        var plan = LogRotationPlan.Decide(path, new FileInfo(path).Length, rotated, maxSize, maxFiles, time.GetUtcNow());
        foreach (var old in plan.Delete) File.Delete(old);
        if (plan.RotateTo is not { } target) return;
        File.Move(path, target);
        try
        {
            await runtime.ReopenContainerLogAsync(new ReopenContainerLogRequest { ContainerId = containerId }, cancellationToken: ct);
        }
        catch (Grpc.Core.RpcException)
        {
            // The container stopped meanwhile: put the file back so its log stays where readers look.
            if (!File.Exists(path)) File.Move(target, path);
            throw;
        }
    }
}
