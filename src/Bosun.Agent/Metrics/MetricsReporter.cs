using Bosun.Client;
using Bosun.Cri;
using Bosun.Cri.V1;
using Microsoft.Extensions.Logging;

namespace Bosun.Agent.Metrics;

/// <summary>
/// Scrapes CRI <c>ListContainerStats</c> and /proc every interval (15 s by default, metrics-server's resolution) and
/// reports CPU rates and working sets through <c>PUT /apis/bosun.dev/v1/nodemetrics/{node}</c>, so that
/// <c>kubectl top</c> and the HPA see real figures. The first report follows the second scrape (a rate needs two).
/// </summary>
internal sealed partial class MetricsReporter(
    CriChannel cri, ApiClient api, string nodeName, ILogger logger, TimeProvider? time = null, TimeSpan? interval = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(15);
    private MetricsSample? _previous;

    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        do
        {
            try
            {
                await ScrapeAndReportAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A missed report only ages the served sample (it expires after 2 minutes); try again next tick.
                Log.ReportFailed(logger, nodeName, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    /// <summary>One scrape; sends a report when there is an earlier scrape to compute rates from. Returns what was sent.</summary>
    public async Task<NodeMetricsReport?> ScrapeAndReportAsync(CancellationToken ct)
    {
        var current = await ScrapeAsync(ct);
        var previous = _previous;
        _previous = current;
        if (previous is null || MetricsReportBuilder.Build(previous, current) is not { } report) return null;
        await api.ReportNodeMetricsAsync(nodeName, report, ct);
        Log.Reported(logger, nodeName, report.Pods.Count);
        return report;
    }

    /// <summary>Reads the containers' and the node's counters now.</summary>
    public async Task<MetricsSample> ScrapeAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow();
        var stats = await cri.Runtime.ListContainerStatsAsync(new ListContainerStatsRequest(), cancellationToken: ct);
        var nowNanos = (now - DateTimeOffset.UnixEpoch).Ticks * 100;
        return new MetricsSample(now, stats.Stats.Select(ToSample).OfType<ContainerSample>().ToList(), NodeUsage.Read(nowNanos));
    }

    /// <summary>A container with our pod labels and a CPU reading, or null (not ours, or no stats yet).</summary>
    internal static ContainerSample? ToSample(ContainerStats stats)
    {
        var labels = stats.Attributes?.Labels;
        if (labels is null || !labels.TryGetValue(CriLabels.PodName, out var pod) || !labels.TryGetValue(CriLabels.PodNamespace, out var ns)) return null;
        if (stats.Cpu?.UsageCoreNanoSeconds is null) return null;
        var name = labels.TryGetValue(CriLabels.ContainerName, out var n) ? n : stats.Attributes!.Metadata?.Name ?? stats.Attributes!.Id;
        return new ContainerSample(stats.Attributes!.Id, ns, pod, name,
            new CumulativeCpu(stats.Cpu.Timestamp, stats.Cpu.UsageCoreNanoSeconds.Value), stats.Memory?.WorkingSetBytes?.Value ?? 0);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Reported metrics of {Node}: {Pods} pods")]
        public static partial void Reported(ILogger logger, string node, int pods);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report metrics of {Node}: {Reason}")]
        public static partial void ReportFailed(ILogger logger, string node, string reason);
    }
}
