using System.Globalization;
using Bosun.Client;

namespace Bosun.Agent.Metrics;

/// <summary>
/// Turns two consecutive scrapes into the report the API server serves through <c>metrics.k8s.io</c>. Pure. A container
/// seen only in the newer scrape (just started or restarted) has no CPU rate yet and is left out, as metrics-server
/// leaves out pods without a complete sample; a pod is reported only when all its running containers have a rate.
/// </summary>
internal static class MetricsReportBuilder
{
    public static NodeMetricsReport? Build(MetricsSample previous, MetricsSample current)
    {
        var before = previous.Containers.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var pods = new List<PodMetricsReport>();
        foreach (var pod in current.Containers.GroupBy(c => (c.PodNamespace, c.PodName)).OrderBy(g => g.Key))
        {
            var containers = new List<ContainerMetricsReport>();
            foreach (var c in pod.OrderBy(c => c.Container, StringComparer.Ordinal))
            {
                if (!before.TryGetValue(c.Id, out var old) || CpuRate.NanoCores(old.Cpu, c.Cpu) is not { } rate)
                {
                    containers.Clear();
                    break;
                }
                containers.Add(new ContainerMetricsReport(c.Container, Usage(rate, c.WorkingSetBytes)));
            }
            if (containers.Count > 0) pods.Add(new PodMetricsReport(pod.Key.PodNamespace, pod.Key.PodName, containers));
        }
        var nodeRate = CpuRate.NanoCores(previous.Node.Cpu, current.Node.Cpu);
        if (nodeRate is null) return null;
        var window = current.Time - previous.Time;
        return new NodeMetricsReport(current.Time.UtcDateTime, $"{(long)window.TotalMilliseconds}ms", Usage(nodeRate.Value, current.Node.WorkingSetBytes), pods);
    }

    public static IReadOnlyDictionary<string, string> Usage(ulong nanoCores, ulong memoryBytes) => new Dictionary<string, string>
    {
        ["cpu"] = Cpu(nanoCores),
        ["memory"] = Memory(memoryBytes),
    };

    /// <summary>As metrics-server prints it: whole millicores as <c>250m</c>, otherwise nanocores <c>1234567n</c>.</summary>
    public static string Cpu(ulong nanoCores) =>
        nanoCores % 1_000_000 == 0 ? $"{(nanoCores / 1_000_000).ToString(CultureInfo.InvariantCulture)}m" : $"{nanoCores.ToString(CultureInfo.InvariantCulture)}n";

    /// <summary>Bytes, in <c>Ki</c> when divisible (kubectl top shows Mi either way).</summary>
    public static string Memory(ulong bytes) =>
        bytes % 1024 == 0 ? $"{(bytes / 1024).ToString(CultureInfo.InvariantCulture)}Ki" : bytes.ToString(CultureInfo.InvariantCulture);
}
